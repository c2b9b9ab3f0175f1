"""RPP security requirements and the review window (security/rules.py, pure)."""

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from security.rules import highest_monthly_ar, required_security, review_window


@pytest.mark.parametrize(
    ("highest", "bond", "cash"),
    [
        (D("0"), D("5000"), D("0")),
        (D("4000.00"), D("5000"), D("4000")),  # 50 % is 2,000: the minimum applies
        (D("9999.99"), D("5000"), D("10000")),  # 4,999.995 rounds up to 5,000
        (D("10000.00"), D("5000"), D("10000")),
        (D("10001"), D("5001"), D("10001")),  # 5,000.50 rounds up to 5,001
        (D("10000.01"), D("5001"), D("10001")),
        (D("123456.78"), D("61729"), D("123457")),
        (D("19999999.99"), D("10000000"), D("10000000")),
        (D("20000000.00"), D("10000000"), D("10000000")),
        (D("25000000.00"), D("10000000"), D("10000000")),  # capped
    ],
)
def test_required_security(highest, bond, cash):
    assert required_security(highest) == (bond, cash)


def test_required_security_refuses_floats_and_negatives():
    with pytest.raises(TypeError):
        required_security(10000.0)
    with pytest.raises(ValueError):
        required_security(D("-1"))


def test_review_window():
    assert review_window(2026) == (date(2025, 10, 20), date(2026, 10, 19))


def test_charges_on_october_19_and_20():
    charges = [
        (date(2025, 10, 19), D("900000.00")),  # before the 2026 window
        (date(2025, 10, 20), D("100.00")),  # first day of the window
        (date(2026, 10, 19), D("200.00")),  # last day of the window
        (date(2026, 10, 20), D("800000.00")),  # belongs to the 2027 review
    ]
    assert highest_monthly_ar(charges, 2026) == (date(2026, 10, 1), D("200.00"))
    assert highest_monthly_ar(charges, 2027) == (date(2026, 10, 1), D("800000.00"))


def test_a_month_straddling_the_edge_counts_only_its_days_inside():
    charges = [
        (date(2025, 10, 5), D("5000.00")),  # October 2025, before the window
        (date(2025, 10, 25), D("3000.00")),  # October 2025, inside
        (date(2025, 11, 10), D("2000.00")),
        (date(2025, 11, 20), D("500.00")),
    ]
    assert highest_monthly_ar(charges, 2026) == (date(2025, 10, 1), D("3000.00"))


def test_the_highest_month_and_ties():
    charges = [
        (date(2026, 1, 5), D("1000.00")),
        (date(2026, 1, 25), D("1500.00")),
        (date(2026, 3, 1), D("2500.00")),
        (date(2026, 7, 31), D("2499.99")),
    ]
    assert highest_monthly_ar(charges, 2026) == (date(2026, 1, 1), D("2500.00"))  # earliest wins


def test_no_charges():
    assert highest_monthly_ar([], 2026) == (None, D("0.00"))
    assert highest_monthly_ar([(date(2020, 1, 1), D("5"))], 2026) == (None, D("0.00"))


amounts = st.decimals(min_value=D("0"), max_value=D("100000000"), places=2, allow_nan=False)


@given(amounts)
def test_requirement_properties(highest):
    bond, cash = required_security(highest)
    assert bond == bond.to_integral_value() and cash == cash.to_integral_value()
    assert D("5000") <= bond <= D("10000000")
    assert cash <= D("10000000")
    assert bond >= min(highest / 2, D("10000000"))
    assert cash >= min(highest, D("10000000"))
    assert bond - min(highest / 2, D("10000000")) < 1 or bond == D("5000")


@given(st.lists(st.tuples(st.dates(date(2024, 1, 1), date(2027, 12, 31)), amounts), max_size=40))
def test_highest_month_is_the_largest_in_window_sum(charges):
    month, total = highest_monthly_ar(charges, 2026)
    start, end = review_window(2026)
    inside = [(day, amount) for day, amount in charges if start <= day <= end]
    if not inside:
        assert (month, total) == (None, D("0.00"))
        return
    by_month = {}
    for day, amount in inside:
        key = (day.year, day.month)
        by_month[key] = by_month.get(key, D("0")) + amount
    assert total == max(by_month.values())
    assert by_month[(month.year, month.month)] == total
