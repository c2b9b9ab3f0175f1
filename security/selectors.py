"""Reads of RPP financial security: what is required, what is posted, the shortfall, the
months that set the next requirement and its forecast. Each read of many accounts answers
in a fixed number of queries, whatever their number; the one-account reads ask it of one.

**Decisions** (docs/rules.md §7; the public record leaves them open):
- The requirement in force on a day is the latest review's once its January 15 has come,
  the previous one until then; an approved reduction replaces it until the next review.
  An account never reviewed needs the $5,000 minimum bond (or $5,000 cash).
- Bonds and cash add up: an account is covered when
  bonds / required bond + cash / required cash ≥ 1, and the shortfall is said in bond
  dollars (what one more bond would have to be), rounded up to the cent.
- Monthly accounts receivable is the sum of the charges posted in one calendar month
  (Eastern), clipped to the review window: declaration charges, positive corrections and
  adjustments, penalties; not payments, not interest.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from django.db import connections, router
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.models import ProgramAccount
from carm.sql import array_literal
from financial.calculation import CENT, ZERO
from financial.calendar import start_of
from financial.models import Posting
from security.models import CashDeposit, ReductionRequest, RppReview, SuretyBond
from security.rules import (
    BOND_MINIMUM,
    required_security,
    review_window,
    review_year_due,
)

# The statuses of an account enrolled in RPP: reviewed every year, and forecast.
RPP_STATUSES = (ProgramAccount.RppStatus.ACTIVE, ProgramAccount.RppStatus.SUSPENDED)


def rpp_accounts():
    return ProgramAccount.objects.filter(rpp_status__in=RPP_STATUSES)


# --- The requirement -------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    bond: Decimal
    cash: Decimal
    review: RppReview | None = None
    reduction: ReductionRequest | None = None


NEW_IMPORTER = Requirement(BOND_MINIMUM, BOND_MINIMUM)  # Decision: $5,000 bond or cash


def requirements_in_force(ids: Iterable[int], day: datetime.date) -> dict[int, Requirement]:
    """{account id: the requirement in force on `day`}, in two queries."""
    ids = list(ids)
    reviews = {
        review.program_account_id: review
        for review in RppReview.objects.filter(
            program_account_id__in=ids, year__lte=review_year_due(day)
        )
        .order_by("program_account_id", "-year")
        .distinct("program_account_id")
    }
    reductions = defaultdict(list)
    for reduction in ReductionRequest.objects.filter(
        program_account_id__in=ids, status=ReductionRequest.Status.APPROVED
    ).order_by("-decided_at"):
        reductions[reduction.program_account_id].append(reduction)
    return {pk: requirement_from(reviews.get(pk), reductions[pk], day) for pk in ids}


def requirement_from(
    review: RppReview | None, approved: list[ReductionRequest], day: datetime.date
) -> Requirement:
    """The rule itself: the requirement in force on `day`, given the latest review due by
    then (`review_year_due`) and the account's approved reductions, newest first. The
    reductions decided after `day` are passed over."""
    if review is None:
        requirement = NEW_IMPORTER
    elif review.effective_date <= day:
        requirement = Requirement(review.required_bond, review.required_cash, review)
    else:  # reviewed, but its January 15 has not come: the previous amounts stay
        requirement = Requirement(review.previous_bond, review.previous_cash, review)
    reduction = next(
        (
            r
            for r in approved
            if timezone.localdate(r.decided_at) <= day
            and (review is None or r.decided_at > review.created_at)
        ),
        None,
    )
    if reduction is not None:
        requirement = Requirement(
            reduction.amount, reduced_cash(requirement, reduction.amount), review, reduction
        )
    return requirement


def latest_review_due(reviews: list[RppReview], day: datetime.date) -> RppReview | None:
    """Of an account's reviews, newest first, the one `requirement_from` reads on `day`."""
    return next((review for review in reviews if review.year <= review_year_due(day)), None)


def requirement_in_force(program_account: ProgramAccount, day: datetime.date) -> Requirement:
    return requirements_in_force([program_account.pk], day)[program_account.pk]


def requirements_ahead(ids: Iterable[int], day: datetime.date) -> dict[int, Requirement]:
    """{account id: the requirement its importer plans for}: the one in force, or between a
    review and its January 15, the one the review set. A reduction request and the
    forecast are measured against it."""
    ids = list(ids)
    latest = dict(
        RppReview.objects.filter(program_account_id__in=ids)
        .order_by("program_account_id", "-year")
        .distinct("program_account_id")
        .values_list("program_account_id", "effective_date")
    )
    by_day = defaultdict(list)
    for pk in ids:
        by_day[max(day, latest[pk]) if pk in latest else day].append(pk)
    ahead = {}
    for when, group in by_day.items():
        ahead |= requirements_in_force(group, when)
    return ahead


def requirement_ahead(program_account: ProgramAccount, day: datetime.date) -> Requirement:
    return requirements_ahead([program_account.pk], day)[program_account.pk]


def reduced_cash(requirement: Requirement, bond: Decimal) -> Decimal:
    """The cash deposit matching a lowered bond requirement, in the same proportion."""
    if not requirement.bond:
        return bond
    return (requirement.cash * bond / requirement.bond).quantize(Decimal("1"), ROUND_CEILING)


def pending_reduction(program_account: ProgramAccount) -> ReductionRequest | None:
    """The request to lower the requirement still waiting for an officer, if any."""
    return program_account.reduction_requests.filter(status=ReductionRequest.Status.PENDING).first()


def accounts_with_pending_reduction() -> set[int]:
    return set(
        ReductionRequest.objects.filter(status=ReductionRequest.Status.PENDING).values_list(
            "program_account_id", flat=True
        )
    )


# --- What is posted --------------------------------------------------------------------------


def bonds_in_force(program_account: ProgramAccount, day: datetime.date):
    return program_account.bonds.filter(_bond_in_force(day))


def _bond_in_force(day: datetime.date) -> Q:
    return Q(effective_date__lte=day) & (Q(cancelled_from__isnull=True) | Q(cancelled_from__gt=day))


def bond_in_force_on(bond: SuretyBond, day: datetime.date) -> bool:
    """`_bond_in_force`, asked of a bond already read."""
    return bond.effective_date <= day and (bond.cancelled_from is None or bond.cancelled_from > day)


def cash_deposits(program_account: ProgramAccount, day: datetime.date):
    return program_account.cash_deposits.filter(received_on__lte=day)


def posted_totals_of(ids: Iterable[int], day: datetime.date) -> dict[int, tuple[Decimal, Decimal]]:
    """{account id: (bonds in force, cash deposited)} on `day`, in two queries."""
    ids = list(ids)
    bonds = dict(
        SuretyBond.objects.filter(_bond_in_force(day), program_account_id__in=ids)
        .values("program_account_id")
        .annotate(total=Sum("amount"))
        .values_list("program_account_id", "total")
    )
    cash = dict(
        CashDeposit.objects.filter(program_account_id__in=ids, received_on__lte=day)
        .values("program_account_id")
        .annotate(total=Sum("amount"))
        .values_list("program_account_id", "total")
    )
    return {pk: (bonds.get(pk, ZERO), cash.get(pk, ZERO)) for pk in ids}


def posted_totals(program_account: ProgramAccount, day: datetime.date) -> tuple[Decimal, Decimal]:
    return posted_totals_of([program_account.pk], day)[program_account.pk]


def shortfall(required: Requirement, bonds: Decimal, cash: Decimal) -> Decimal:
    covered = bonds
    if required.cash:
        covered += cash * required.bond / required.cash
    missing = required.bond - covered
    return max(ZERO, missing.quantize(CENT, ROUND_CEILING))


@dataclass(frozen=True)
class Coverage:
    """Whether an account's posted security meets its requirement on a day, and the facts
    a suspension or reinstatement notice reports."""

    required: Requirement
    bonds: Decimal
    cash: Decimal

    @property
    def shortfall(self) -> Decimal:
        return shortfall(self.required, self.bonds, self.cash)

    @property
    def covered(self) -> bool:
        return self.shortfall == 0

    def facts(self, bn15: str) -> dict:
        return {
            "required": str(self.required.bond),
            "posted": str(self.bonds + self.cash),
            "account": bn15,
        }


def coverages(ids: Iterable[int], day: datetime.date) -> dict[int, Coverage]:
    ids = list(ids)
    required = requirements_in_force(ids, day)
    posted = posted_totals_of(ids, day)
    return {pk: Coverage(required[pk], *posted[pk]) for pk in ids}


def coverage(program_account: ProgramAccount, day: datetime.date) -> Coverage:
    return coverages([program_account.pk], day)[program_account.pk]


@dataclass(frozen=True)
class SecurityPosition:
    """Where an account stands on a day: required, posted, shortfall."""

    required: Requirement
    bonds: list[SuretyBond] = field(default_factory=list)
    deposits: list[CashDeposit] = field(default_factory=list)

    @property
    def posted_bonds(self) -> Decimal:
        return sum((bond.amount for bond in self.bonds), ZERO)

    @property
    def posted_cash(self) -> Decimal:
        return sum((deposit.amount for deposit in self.deposits), ZERO)

    @property
    def posted(self) -> Decimal:
        return self.posted_bonds + self.posted_cash

    @property
    def shortfall(self) -> Decimal:
        return shortfall(self.required, self.posted_bonds, self.posted_cash)


def reviews_of(program_account: ProgramAccount):
    return program_account.rpp_reviews.order_by("-year")


# --- The months that set a requirement, and the forecast ---------------------------------

# Decision (above): the monthly accounts receivable, clipped to the window; for each
# account its highest month, the earliest of equal ones.
HIGHEST_MONTHS = """
SELECT DISTINCT ON (program_account_id) program_account_id, month, total
FROM (
  SELECT program_account_id,
         date_trunc('month', posted_at AT TIME ZONE 'America/Toronto')::date AS month,
         SUM(amount) AS total
  FROM financial_posting
  WHERE program_account_id = ANY(%(accounts)s::bigint[])
    AND posted_at >= %(start)s AND posted_at < %(end)s
    AND (kind = ANY(%(receivable)s) OR (kind = ANY(%(revised)s) AND amount > 0))
  GROUP BY 1, 2
) AS months
ORDER BY program_account_id, total DESC, month
"""


def highest_months_parameters(ids: list[int], year: int) -> dict:
    """HIGHEST_MONTHS' parameters: these accounts, the window of the `year`'s review."""
    start, end = review_window(year)
    return {
        "accounts": array_literal(ids),
        "start": start_of(start),
        "end": start_of(end + datetime.timedelta(days=1)),
        "receivable": list(Posting.RECEIVABLE_KINDS),
        "revised": list(Posting.REVISION_KINDS),
    }


def highest_months(ids: list[int], year: int) -> dict[int, tuple[datetime.date, Decimal]]:
    """{account id: (first day of its highest month, that month's total)} for the window
    of the `year`'s review."""
    # The ledger's connection for reads: the replica inside a replica_read (carm/db.py).
    with connections[router.db_for_read(Posting)].cursor() as cursor:
        cursor.execute(HIGHEST_MONTHS, highest_months_parameters(ids, year))
        return {account: (month, total) for account, month, total in cursor.fetchall()}


@dataclass(frozen=True)
class Forecast:
    year: int
    highest_month: datetime.date | None
    highest_amount: Decimal
    bond: Decimal
    cash: Decimal
    window: tuple[datetime.date, datetime.date]


def forecasts(ids: list[int], today: datetime.date) -> dict[int, Forecast]:
    """The next review's requirement of each account, from the months seen so far in its
    window; their months in one grouped query."""
    year = review_year_due(today) + 1
    highest = highest_months(ids, year)
    expected = {}
    for pk in ids:
        month, amount = highest.get(pk, (None, ZERO))
        bond, cash = required_security(amount)
        expected[pk] = Forecast(year, month, amount, bond, cash, review_window(year))
    return expected


def forecast(program_account: ProgramAccount, today: datetime.date) -> Forecast:
    return forecasts([program_account.pk], today)[program_account.pk]


def forecast_shortfall(
    expected: Forecast, ahead: Requirement, bonds: Decimal, cash: Decimal
) -> Decimal:
    """What the next review would find missing, when it would raise the requirement the
    importer plans for (`requirements_ahead`); a shortfall against that one is told on its
    own."""
    if expected.bond <= ahead.bond:
        return ZERO
    return shortfall(Requirement(expected.bond, expected.cash), bonds, cash)


@dataclass(frozen=True)
class WithoutBond:
    """An account's security on a day, with and without one of its bonds."""

    required: Requirement
    before: Decimal
    after: Decimal
    shortfall: Decimal


def without_bond(bond: SuretyBond, day: datetime.date) -> WithoutBond:
    """What the account's posted security becomes from `day` if `bond` stops counting."""
    account = bond.program_account
    required = requirement_in_force(account, day)
    bonds, cash = posted_totals(account, day)
    counted = bonds_in_force(account, day).filter(pk=bond.pk).exists()
    left = bonds - bond.amount if counted else bonds
    return WithoutBond(required, bonds + cash, left + cash, shortfall(required, left, cash))
