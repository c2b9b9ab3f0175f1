"""What the Financial Security page and its API show of one account on a day: the
position, the reviews, an upcoming January 15, the pending reduction and the forecast."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from accounts.models import ProgramAccount
from financial.calculation import ZERO
from security import selectors
from security.models import ReductionRequest, RppReview, SuretyBond


@dataclass(frozen=True)
class Overview:
    """Everything the Financial Security page and its API show about one account."""

    account: ProgramAccount
    today: datetime.date
    position: selectors.SecurityPosition
    bonds: list[SuretyBond]
    reviews: list[RppReview]
    enrolled: bool
    pending: ReductionRequest | None
    # The latest review, while its January 15 is still ahead, and what it will require.
    upcoming: RppReview | None
    upcoming_required: selectors.Requirement | None
    upcoming_shortfall: Decimal
    forecast: selectors.Forecast | None
    forecast_shortfall: Decimal

    @property
    def required(self) -> selectors.Requirement:
        return self.position.required

    @property
    def shortfall(self) -> Decimal:
        return self.position.shortfall

    @property
    def next_review_on(self) -> datetime.date | None:
        return datetime.date(self.forecast.year, 10, 20) if self.forecast else None


def security_overview(account: ProgramAccount, today: datetime.date) -> Overview:
    # The account's reviews, reductions and bonds are read once; the requirement on each
    # day the page speaks of, and the bonds in force today, are worked out from them.
    reviews = list(selectors.reviews_of(account))
    reductions = list(
        account.reduction_requests.filter(
            status__in=[ReductionRequest.Status.APPROVED, ReductionRequest.Status.PENDING]
        ).order_by("-decided_at")
    )
    approved = [r for r in reductions if r.status == ReductionRequest.Status.APPROVED]

    def required_on(day: datetime.date) -> selectors.Requirement:
        return selectors.requirement_from(selectors.latest_review_due(reviews, day), approved, day)

    # Bonds still to come count for nothing today, but the importer should see them.
    bonds = list(
        account.bonds.filter(Q(cancelled_from__isnull=True) | Q(cancelled_from__gt=today))
        .select_related("surety")
        .order_by("effective_date", "pk")
    )
    position = selectors.SecurityPosition(
        required=required_on(today),
        bonds=[bond for bond in bonds if selectors.bond_in_force_on(bond, today)],
        deposits=list(selectors.cash_deposits(account, today)),
    )
    enrolled = account.rpp_status in selectors.RPP_STATUSES
    upcoming = reviews[0] if reviews and reviews[0].effective_date > today else None
    upcoming_required = required_on(upcoming.effective_date) if upcoming else None
    expected = selectors.forecast(account, today) if enrolled else None
    return Overview(
        account=account,
        today=today,
        position=position,
        bonds=bonds,
        reviews=reviews,
        enrolled=enrolled,
        pending=next((r for r in reductions if r.status == ReductionRequest.Status.PENDING), None),
        upcoming=upcoming,
        upcoming_required=upcoming_required,
        upcoming_shortfall=_short_of(upcoming_required, position),
        forecast=expected,
        forecast_shortfall=selectors.forecast_shortfall(
            expected, upcoming_required or position.required, *_posted(position)
        )
        if expected
        else ZERO,
    )


def _posted(position: selectors.SecurityPosition) -> tuple[Decimal, Decimal]:
    return position.posted_bonds, position.posted_cash


def _short_of(required: selectors.Requirement | None, position) -> Decimal:
    if required is None:
        return ZERO
    return selectors.shortfall(required, *_posted(position))
