"""Reads of RPP financial security: what is required, what is posted, the shortfall.

**Decisions** (domain.md §7 leaves them open):
- The requirement in force on a day is the latest review's once its January 15 has come,
  the previous one until then; an approved reduction replaces it until the next review.
  An account never reviewed needs the $5,000 minimum bond (or $5,000 cash).
- Bonds and cash add up: an account is covered when
  bonds / required bond + cash / required cash ≥ 1, and the shortfall is said in bond
  dollars (what one more bond would have to be), rounded up to the cent.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from django.db.models import Q, Sum

from accounts.models import ProgramAccount
from security.models import CashDeposit, ReductionRequest, RppReview, SuretyBond
from security.rules import BOND_MINIMUM, review_year_due

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
NEW_IMPORTER = (BOND_MINIMUM, BOND_MINIMUM)  # Decision: $5,000 bond or $5,000 cash


@dataclass(frozen=True)
class Requirement:
    bond: Decimal
    cash: Decimal
    review: RppReview | None = None
    reduction: ReductionRequest | None = None


def requirement_in_force(program_account: ProgramAccount, day: datetime.date) -> Requirement:
    review = (
        program_account.rpp_reviews.filter(year__lte=review_year_due(day)).order_by("-year").first()
    )
    if review is None:
        requirement = Requirement(*NEW_IMPORTER)
    elif review.effective_date <= day:
        requirement = Requirement(review.required_bond, review.required_cash, review)
    else:  # reviewed, but its January 15 has not come: the previous amounts stay in force
        requirement = Requirement(review.previous_bond, review.previous_cash, review)
    reduction = (
        program_account.reduction_requests.filter(
            status=ReductionRequest.Status.APPROVED, decided_at__date__lte=day
        )
        .filter(Q() if review is None else Q(decided_at__gt=review.created_at))
        .order_by("-decided_at")
        .first()
    )
    if reduction is not None:
        return Requirement(
            reduction.amount, reduced_cash(requirement, reduction.amount), review, reduction
        )
    return requirement


def requirement_ahead(program_account: ProgramAccount, day: datetime.date) -> Requirement:
    """The requirement an importer plans for: the one in force, or between a review and
    its January 15, the one the review set. A reduction request and the forecast are
    measured against it."""
    latest = program_account.rpp_reviews.order_by("-year").first()
    return requirement_in_force(program_account, max(day, latest.effective_date) if latest else day)


def reduced_cash(requirement: Requirement, bond: Decimal) -> Decimal:
    """The cash deposit matching a lowered bond requirement, in the same proportion."""
    if not requirement.bond:
        return bond
    return (requirement.cash * bond / requirement.bond).quantize(Decimal("1"), ROUND_CEILING)


def bonds_in_force(program_account: ProgramAccount, day: datetime.date):
    return program_account.bonds.filter(effective_date__lte=day).filter(
        Q(cancelled_from__isnull=True) | Q(cancelled_from__gt=day)
    )


def cash_deposits(program_account: ProgramAccount, day: datetime.date):
    return program_account.cash_deposits.filter(received_on__lte=day)


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


def shortfall(required: Requirement, bonds: Decimal, cash: Decimal) -> Decimal:
    covered = bonds
    if required.cash:
        covered += cash * required.bond / required.cash
    missing = required.bond - covered
    return max(ZERO, missing.quantize(CENT, ROUND_CEILING))


def security_position(program_account: ProgramAccount, day: datetime.date) -> SecurityPosition:
    return SecurityPosition(
        required=requirement_in_force(program_account, day),
        bonds=list(bonds_in_force(program_account, day).select_related("surety")),
        deposits=list(cash_deposits(program_account, day)),
    )


def posted_totals(program_account: ProgramAccount, day: datetime.date) -> tuple[Decimal, Decimal]:
    bonds = bonds_in_force(program_account, day).aggregate(total=Sum("amount"))["total"]
    cash = cash_deposits(program_account, day).aggregate(total=Sum("amount"))["total"]
    return bonds or ZERO, cash or ZERO


def reviews_of(program_account: ProgramAccount):
    return program_account.rpp_reviews.order_by("-year")
