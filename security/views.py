"""Financial Security pages: the importer's position, Update Requirement, and the surety's
bonds. Thin: ask delegation.permissions, read through the selectors, call the services."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import ProgramAccount
from delegation.permissions import (
    Action,
    can,
    get_program_account_for,
    program_account_for_bond,
    surety_of,
)
from financial.templatetags.financial_tags import money
from security import selectors, services
from security.errors import SecurityError
from security.forms import BondForm, ReductionForm
from security.models import ReductionRequest, RppReview, SuretyBond
from security.review import RPP_STATUSES

BONDS_PER_PAGE = 50


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
    forecast: services.Forecast | None
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


def overview(account: ProgramAccount, today: datetime.date) -> Overview:
    position = selectors.security_position(account, today)
    reviews = list(selectors.reviews_of(account))
    # Bonds still to come count for nothing today, but the importer should see them.
    bonds = list(
        account.bonds.filter(Q(cancelled_from__isnull=True) | Q(cancelled_from__gt=today))
        .select_related("surety")
        .order_by("effective_date", "pk")
    )
    enrolled = account.rpp_status in RPP_STATUSES
    upcoming = reviews[0] if reviews and reviews[0].effective_date > today else None
    upcoming_required = (
        selectors.requirement_in_force(account, upcoming.effective_date) if upcoming else None
    )
    expected = services.forecast(account, today) if enrolled else None
    return Overview(
        account=account,
        today=today,
        position=position,
        bonds=bonds,
        reviews=reviews,
        enrolled=enrolled,
        pending=account.reduction_requests.filter(status=ReductionRequest.Status.PENDING).first(),
        upcoming=upcoming,
        upcoming_required=upcoming_required,
        upcoming_shortfall=_short_of(upcoming_required, position),
        forecast=expected,
        forecast_shortfall=_forecast_shortfall(
            expected, upcoming_required or position.required, position
        ),
    )


def _short_of(required: selectors.Requirement | None, position) -> Decimal:
    if required is None:
        return selectors.ZERO
    return selectors.shortfall(required, position.posted_bonds, position.posted_cash)


def _forecast_shortfall(
    expected: services.Forecast | None, current: selectors.Requirement, position
) -> Decimal:
    """What the next review would find missing, when it would raise the requirement: a
    shortfall against the current one is already told on its own."""
    if expected is None or expected.bond <= current.bond:
        return selectors.ZERO
    return _short_of(selectors.Requirement(expected.bond, expected.cash), position)


def may_request_reduction(user, account: ProgramAccount) -> bool:
    """Update Requirement is a write: employees who may file (BAM, PAM, Editor) and see
    the account's security; readers and third parties without that visibility may not."""
    return can(user, Action.FILE_DECLARATION, account) and can(user, Action.VIEW_SECURITY, account)


@login_required
def financial_security(request: HttpRequest, bn15: str) -> HttpResponse:
    account = get_program_account_for(request.user, bn15, Action.VIEW_SECURITY)
    return render(
        request,
        "security/financial_security.html",
        {
            "account": account,
            "overview": overview(account, timezone.localdate()),
            "may_request": may_request_reduction(request.user, account),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def reduction(request: HttpRequest, bn15: str) -> HttpResponse:
    account = get_program_account_for(request.user, bn15, Action.VIEW_SECURITY)
    if not may_request_reduction(request.user, account):
        raise PermissionDenied
    form = ReductionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            requested = services.reduction_request(
                actor=request.user, program_account=account, **form.cleaned_data
            )
        except SecurityError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                _(
                    "Your request to lower the required bond to %(amount)s was sent. An "
                    "officer will decide; you will be notified."
                )
                % {"amount": money(requested.amount)},
            )
            return redirect("financial_security", bn15=account.bn15)
    today = timezone.localdate()
    return render(
        request,
        "security/reduction_form.html",
        {
            "account": account,
            "form": form,
            "required": selectors.requirement_in_force(account, today),
            "pending": account.reduction_requests.filter(
                status=ReductionRequest.Status.PENDING
            ).first(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def surety_bonds(request: HttpRequest) -> HttpResponse:
    """A surety's bonds, and the form to post one. Nobody else has such a page: 404."""
    surety = surety_of(request.user)
    if surety is None:
        raise Http404
    form = BondForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        account = program_account_for_bond(request.user, data["program_account"])
        if account is None:
            form.add_error("program_account", _("CBSA has no program account with this number."))
        else:
            try:
                bond = services.bond_post(
                    actor=request.user,
                    program_account=account,
                    bond_number=data["bond_number"],
                    amount=data["amount"],
                    effective_date=data["effective_date"],
                )
            except SecurityError as error:
                form.add_service_error(error)
            else:
                messages.success(
                    request,
                    _("Bond %(number)s of %(amount)s is posted for %(account)s.")
                    % {
                        "number": bond.bond_number,
                        "amount": money(bond.amount),
                        "account": account.display_number,
                    },
                )
                return redirect("surety_bonds")
    bonds = SuretyBond.objects.filter(surety=surety).select_related("program_account__business")
    page = Paginator(bonds.order_by("-created_at", "-pk"), BONDS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "security/surety_bonds.html",
        {"surety": surety, "form": form, "page": page, "today": timezone.localdate()},
    )
