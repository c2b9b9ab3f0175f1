"""The CARM billing calendar (pure: no Django models). docs/rules.md §5–§6.

- Billing period: the 18th of one month to the 17th of the next.
- Statement of Account: dated the 25th of the month the period ends in.
- Payment due: 10 weekdays after the period's 17th (Mon–Fri counted, holidays included).
- Business days: Mon–Fri less the federal statutory holidays of the Canada Labour Code,
  moved to the next weekday when they fall on a weekend.
"""

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

# The portal's dates are Eastern dates ("23:59 ET on the due date").
EASTERN = ZoneInfo("America/Toronto")
PERIOD_START_DAY = 18
PERIOD_END_DAY = 17
STATEMENT_DAY = 25
DAYS_TO_PAY = 10


@lru_cache(maxsize=64)
def federal_holidays(year: int) -> frozenset[date]:
    """The federal statutory holidays of `year`, observed days included."""
    calendar = holidays.CA(categories=("public", "government", "optional"), years=year)
    return frozenset(calendar)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in federal_holidays(day.year)


def add_business_days(day: date, n: int) -> date:
    """`n` business days after `day` (before it when `n` is negative); 0 gives `day`."""
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    while remaining:
        day += timedelta(days=step)
        if is_business_day(day):
            remaining -= 1
    return day


def _add_weekdays(day: date, n: int) -> date:
    while n:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def month_after(day: date) -> tuple[int, int]:
    """(year, month) of the month after `day`'s."""
    return (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)


def _month_before(day: date) -> tuple[int, int]:
    return (day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1)


def billing_period(day: date) -> tuple[date, date]:
    """The billing period (18th .. 17th) that contains `day`."""
    if day.day >= PERIOD_START_DAY:
        year, month = month_after(day)
        return day.replace(day=PERIOD_START_DAY), date(year, month, PERIOD_END_DAY)
    year, month = _month_before(day)
    return date(year, month, PERIOD_START_DAY), day.replace(day=PERIOD_END_DAY)


def _check_period_end(period_end: date) -> None:
    if period_end.day != PERIOD_END_DAY:
        raise ValueError(f"A billing period ends on the 17th, not on {period_end.isoformat()}.")


def statement_date(period_end: date) -> date:
    """The Statement of Account's date: the 25th of the period's last month."""
    _check_period_end(period_end)
    return period_end.replace(day=STATEMENT_DAY)


def payment_due_date(period_end: date) -> date:
    """Ten weekdays after the period's 17th; holidays count as days like any weekday."""
    _check_period_end(period_end)
    return _add_weekdays(period_end, DAYS_TO_PAY)


def next_payment_due(today: date) -> date:
    """The next due date from `today`: the last closed period's, until it has passed."""
    start, end = billing_period(today)
    previous_due = payment_due_date(start - timedelta(days=1))
    return previous_due if today <= previous_due else payment_due_date(end)


def correction_deadline(filed_at: datetime) -> datetime:
    """The last moment a declaration filed at `filed_at` may be corrected rather than
    adjusted: 23:59:59 Eastern on the payment due date of the cycle it was filed in."""
    _, period_end = billing_period(filed_at.astimezone(EASTERN).date())
    return datetime.combine(payment_due_date(period_end), time(23, 59, 59), tzinfo=EASTERN)


def start_of(day: date) -> datetime:
    """Midnight Eastern at the start of `day`."""
    return datetime.combine(day, time.min, tzinfo=EASTERN)
