"""What RPP financial security CBSA requires (pure: no Django models). docs/rules.md §7.

- Surety bond: 50 % of the highest monthly accounts receivable, at least $5,000.
- Cash deposit: 100 % of it.
- Either is capped at $10,000,000 per program account and rounded up to the dollar.
- The annual review looks at October 20 of the previous year to October 19 of the
  review year; the single highest calendar month (clipped to that window) sets the
  requirement.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_CEILING, Decimal

from financial.calculation import ZERO

BOND_SHARE = Decimal("0.5")
BOND_MINIMUM = Decimal("5000")
CAP = Decimal("10000000")
DOLLAR = Decimal("1")


def _whole_dollars_up(amount: Decimal) -> Decimal:
    return amount.quantize(DOLLAR, rounding=ROUND_CEILING)


def required_security(highest_monthly_ar: Decimal) -> tuple[Decimal, Decimal]:
    """(bond, cash) in whole dollars for the highest monthly accounts receivable."""
    if isinstance(highest_monthly_ar, float):
        raise TypeError("highest_monthly_ar must be a Decimal, never a float.")
    amount = Decimal(highest_monthly_ar)
    if amount < 0:
        raise ValueError("Accounts receivable cannot be negative.")
    bond = min(max(_whole_dollars_up(amount * BOND_SHARE), BOND_MINIMUM), CAP)
    cash = min(_whole_dollars_up(amount), CAP)
    return bond, cash


def review_window(review_year: int) -> tuple[date, date]:
    """(October 20 of the previous year, October 19 of the review year), both included."""
    return date(review_year - 1, 10, 20), date(review_year, 10, 19)


def highest_monthly_ar(
    charges: Iterable[tuple[date, Decimal]], review_year: int
) -> tuple[date | None, Decimal]:
    """(first day of the highest month, its total) over the charges inside the window.

    The earliest month wins a tie; with no charge in the window, (None, 0.00).
    """
    start, end = review_window(review_year)
    totals: dict[date, Decimal] = defaultdict(Decimal)
    for day, amount in charges:
        if start <= day <= end:
            totals[day.replace(day=1)] += amount
    if not totals:
        return None, ZERO
    month = max(sorted(totals), key=lambda first: totals[first])
    return month, totals[month]


def review_year_due(today: date) -> int:
    """The review year whose October 20 came last (the scheduled job's default)."""
    return today.year if (today.month, today.day) >= (10, 20) else today.year - 1


def effective_date(review_year: int) -> date:
    """The new requirement must be in place no later than January 15 after the review."""
    return date(review_year + 1, 1, 15)
