"""The review's highest-month SQL (security.selectors.HIGHEST_MONTHS) and the pure rule
(security.rules.highest_monthly_ar) agree on any postings: random kinds, signs, amounts
and moments, many of them on the window's edges and at Eastern midnights."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from financial.calculation import ZERO
from financial.calendar import EASTERN
from financial.models import Posting
from security.rules import highest_monthly_ar
from security.selectors import highest_months

pytestmark = pytest.mark.django_db(transaction=False)

YEAR = 2026
# Days around both ends of the 2026 window and a month boundary inside it, and any other.
EDGES = [datetime.date(2025, 10, d) for d in (18, 19, 20, 21)] + [
    datetime.date(2026, 10, d) for d in (18, 19, 20, 21)
]
days = st.one_of(
    st.sampled_from([*EDGES, datetime.date(2026, 2, 28), datetime.date(2026, 3, 1)]),
    st.dates(datetime.date(2025, 9, 1), datetime.date(2026, 11, 30)),
)
moments = st.builds(
    lambda day, minute: (
        datetime.datetime.combine(day, datetime.time(0), tzinfo=EASTERN)
        + datetime.timedelta(minutes=minute)
    ),
    days,
    st.sampled_from([0, 1, 60 * 12, 60 * 24 - 1]),
)
# A few round amounts make equal months (the earliest wins) common.
amounts = st.one_of(
    st.sampled_from([Decimal("100.00"), Decimal("250.00")]),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("50000"), places=2),
)
postings = st.lists(
    st.tuples(st.sampled_from(list(Posting.Kind.values)), amounts, st.booleans(), moments),
    max_size=25,
)


def signed(kind: str, amount: Decimal, negative: bool) -> Decimal:
    if kind in Posting.CREDIT_KINDS:
        return -amount
    if kind in Posting.REVISION_KINDS and negative:
        return -amount
    return amount


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=postings)
def test_the_sql_and_the_rule_find_the_same_month(rm1, rows):
    ledger = [(kind, signed(kind, amount, negative), at) for kind, amount, negative, at in rows]
    with transaction.atomic():
        Posting.objects.bulk_create(
            Posting(
                program_account=rm1,
                kind=kind,
                amount=amount,
                posted_at=at,
                duty=amount if kind in Posting.DECLARATION_KINDS else ZERO,
            )
            for kind, amount, at in ledger
        )
        found = highest_months([rm1.pk], YEAR).get(rm1.pk, (None, ZERO))
        transaction.set_rollback(True)
    charges = [
        (at.astimezone(EASTERN).date(), amount)
        for kind, amount, at in ledger
        if kind in Posting.RECEIVABLE_KINDS or (kind in Posting.REVISION_KINDS and amount > 0)
    ]
    assert found == highest_monthly_ar(charges, YEAR)
