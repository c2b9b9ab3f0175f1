"""The appeal's windows and a credit's split (cases/rules.py, pure)."""

import datetime
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cases.rules import appeal_deadline, appeal_kind_on, extension_deadline, split_credit

d = datetime.date


@pytest.mark.parametrize(
    ("decided", "appeal_until", "extension_until"),
    [
        (d(2026, 3, 2), d(2026, 5, 31), d(2027, 5, 31)),
        (d(2026, 11, 30), d(2027, 2, 28), d(2028, 2, 28)),
        (d(2027, 12, 1), d(2028, 2, 29), d(2029, 2, 28)),  # 90 days end on February 29
    ],
)
def test_windows(decided, appeal_until, extension_until):
    assert appeal_deadline(decided) == appeal_until
    assert extension_deadline(decided) == extension_until
    assert appeal_kind_on(decided, appeal_until) == "appeal"
    assert appeal_kind_on(decided, appeal_until + datetime.timedelta(1)) == "appeal_extension"
    assert appeal_kind_on(decided, extension_until) == "appeal_extension"
    assert appeal_kind_on(decided, extension_until + datetime.timedelta(1)) is None
    assert appeal_kind_on(decided, decided) == "appeal"
    assert appeal_kind_on(decided, decided - datetime.timedelta(1)) is None


def test_a_credit_is_split_like_the_declaration():
    # $312.50 owed: duty $250.00 and GST $62.50; a credit of $73.50 splits 80/20.
    split = {"duty": D("250.00"), "excise_duty": D("0"), "gst": D("62.50")}
    assert split_credit(D("73.50"), split) == {
        "duty": D("58.80"),
        "excise_duty": D("0.00"),
        "gst": D("14.70"),
    }
    assert split_credit(D("312.50"), split) == split | {"excise_duty": D("0.00")}
    for bad in (D("0"), D("312.51")):
        with pytest.raises(ValueError):
            split_credit(bad, split)


cents = st.decimals(min_value=D("0.00"), max_value=D("100000"), places=2)


@given(columns=st.lists(cents, min_size=1, max_size=6), share=st.fractions(0, 1))
def test_a_split_credit_adds_up_and_never_exceeds_a_column(columns, share):
    split = {f"c{n}": amount for n, amount in enumerate(columns)}
    total = sum(columns, D("0"))
    credit = (total * D(share.numerator) / D(share.denominator)).quantize(D("0.01"))
    if credit <= 0 or total <= 0:
        return
    parts = split_credit(credit, split)
    assert sum(parts.values(), D("0")) == credit
    assert all(D("0") <= parts[name] <= split[name] for name in split)
