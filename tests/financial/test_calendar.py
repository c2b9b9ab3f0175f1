"""The billing calendar (financial/calendar.py, pure)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from financial.calendar import (
    add_business_days,
    billing_period,
    federal_holidays,
    is_business_day,
    payment_due_date,
    statement_date,
)


def test_domain_worked_example():
    # Cycle ending Tue 2023-10-17: SOA 2023-10-25, due 2023-10-31.
    assert billing_period(date(2023, 10, 17)) == (date(2023, 9, 18), date(2023, 10, 17))
    assert statement_date(date(2023, 10, 17)) == date(2023, 10, 25)
    assert payment_due_date(date(2023, 10, 17)) == date(2023, 10, 31)


# Every billing period ending in 2026: (period end, statement date, payment due date),
# counted by hand on the calendar: ten Mondays-to-Fridays after the 17th.
YEAR_2026 = [
    (date(2026, 1, 17), date(2026, 1, 25), date(2026, 1, 30)),  # the 17th is a Saturday
    (date(2026, 2, 17), date(2026, 2, 25), date(2026, 3, 3)),
    (date(2026, 3, 17), date(2026, 3, 25), date(2026, 3, 31)),
    (date(2026, 4, 17), date(2026, 4, 25), date(2026, 5, 1)),
    (date(2026, 5, 17), date(2026, 5, 25), date(2026, 5, 29)),  # a Sunday
    (date(2026, 6, 17), date(2026, 6, 25), date(2026, 7, 1)),  # Canada Day counts too
    (date(2026, 7, 17), date(2026, 7, 25), date(2026, 7, 31)),
    (date(2026, 8, 17), date(2026, 8, 25), date(2026, 8, 31)),
    (date(2026, 9, 17), date(2026, 9, 25), date(2026, 10, 1)),  # Sept 30 counts
    (date(2026, 10, 17), date(2026, 10, 25), date(2026, 10, 30)),
    (date(2026, 11, 17), date(2026, 11, 25), date(2026, 12, 1)),
    (date(2026, 12, 17), date(2026, 12, 25), date(2026, 12, 31)),
]


@pytest.mark.parametrize(("period_end", "soa", "due"), YEAR_2026)
def test_every_month_of_2026(period_end, soa, due):
    assert statement_date(period_end) == soa
    assert payment_due_date(period_end) == due
    start, end = billing_period(period_end)
    assert end == period_end
    assert start.day == 18 and start == billing_period(start)[0]


@pytest.mark.parametrize(
    ("day", "period"),
    [
        (date(2026, 1, 1), (date(2025, 12, 18), date(2026, 1, 17))),
        (date(2026, 1, 17), (date(2025, 12, 18), date(2026, 1, 17))),
        (date(2026, 1, 18), (date(2026, 1, 18), date(2026, 2, 17))),
        (date(2026, 12, 18), (date(2026, 12, 18), date(2027, 1, 17))),
        (date(2026, 12, 31), (date(2026, 12, 18), date(2027, 1, 17))),
        (date(2028, 2, 29), (date(2028, 2, 18), date(2028, 3, 17))),
    ],
)
def test_billing_period_edges(day, period):
    assert billing_period(day) == period


def test_only_a_17th_ends_a_period():
    with pytest.raises(ValueError, match="17th"):
        payment_due_date(date(2026, 10, 18))
    with pytest.raises(ValueError, match="17th"):
        statement_date(date(2026, 10, 16))


def test_the_2026_federal_holidays_are_the_canada_labour_code_list():
    assert sorted(federal_holidays(2026)) == [
        date(2026, 1, 1),
        date(2026, 4, 3),  # Good Friday
        date(2026, 5, 18),  # Victoria Day
        date(2026, 7, 1),
        date(2026, 9, 7),  # Labour Day
        date(2026, 9, 30),  # National Day for Truth and Reconciliation
        date(2026, 10, 12),  # Thanksgiving
        date(2026, 11, 11),
        date(2026, 12, 25),
        date(2026, 12, 26),  # Boxing Day, a Saturday ...
        date(2026, 12, 28),  # ... observed on Monday
    ]


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 11, 23), 0, date(2026, 11, 23)),
        (date(2026, 11, 23), 5, date(2026, 11, 30)),  # release Monday: 5 business days
        (date(2026, 11, 6), 5, date(2026, 11, 16)),  # Remembrance Day skipped
        (date(2026, 12, 23), 3, date(2026, 12, 30)),  # Christmas, Boxing Day observed
        (date(2026, 9, 28), 3, date(2026, 10, 2)),  # Sept 30 skipped
        (date(2026, 10, 9), 1, date(2026, 10, 13)),  # Thanksgiving
        (date(2026, 11, 30), -5, date(2026, 11, 23)),
    ],
)
def test_add_business_days(start, n, expected):
    assert add_business_days(start, n) == expected


days = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


@given(days)
def test_every_day_is_in_exactly_one_period(day):
    start, end = billing_period(day)
    assert start <= day <= end
    assert billing_period(start) == billing_period(end) == (start, end)
    assert billing_period(end + timedelta(days=1))[0] == end + timedelta(days=1)
    assert start.day == 18 and end.day == 17


@given(days)
def test_due_date_is_a_weekday_two_weeks_after_the_period(day):
    _, end = billing_period(day)
    due = payment_due_date(end)
    assert due.weekday() < 5
    assert timedelta(days=12) <= due - end <= timedelta(days=14)
    assert statement_date(end) < due


@given(days, st.integers(min_value=0, max_value=40))
def test_adding_business_days_lands_on_one_and_goes_back(day, n):
    later = add_business_days(day, n)
    if n:
        assert is_business_day(later)
        assert add_business_days(later, -n) <= day
        assert add_business_days(later, -n) == day or not is_business_day(day)


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (date(2026, 11, 23), date(2026, 12, 1)),  # the cycle ended Nov 17: due Dec 1
        (date(2026, 12, 1), date(2026, 12, 1)),
        (date(2026, 12, 2), date(2026, 12, 31)),  # then the cycle ending Dec 17
        (date(2026, 12, 18), date(2026, 12, 31)),
        (date(2026, 12, 31), date(2026, 12, 31)),
        (date(2027, 1, 1), date(2027, 1, 29)),  # cycle ending Sun Jan 17, 2027
    ],
)
def test_next_payment_due(today, due):
    from financial.calendar import next_payment_due

    assert next_payment_due(today) == due


def test_the_correction_deadline_is_the_last_second_of_the_due_date():
    """Filed in the cycle ending Tue 2023-10-17 (due 2023-10-31): corrections until 23:59:59
    Eastern that day; filed just after the cycle's end, the next cycle's due date."""
    from datetime import UTC, datetime

    from financial.calendar import EASTERN, correction_deadline

    filed = datetime(2023, 10, 10, 15, 0, tzinfo=UTC)
    assert correction_deadline(filed) == datetime(2023, 10, 31, 23, 59, 59, tzinfo=EASTERN)
    # Filed 2023-10-18 00:30 Eastern (04:30 UTC): the cycle ending Fri 2023-11-17, due ten
    # weekdays later, Fri 2023-12-01.
    just_after = datetime(2023, 10, 18, 4, 30, tzinfo=UTC)
    assert correction_deadline(just_after).date() == date(2023, 12, 1)
