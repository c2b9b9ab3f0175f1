"""Financial Security pages: the importer's position, Update Requirement, and the surety's
bonds. Thin: ask delegation.permissions, read through the selectors, call the services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from carm import formats
from carm.formats import money
from delegation.permissions import (
    Action,
    bond_issuer_for,
    can,
    get_program_account_for,
    is_bam,
    program_account_for_bond,
    program_accounts_seen_by_surety,
    surety_of,
)
from delegation.services import access_log_viewed
from security import selectors, services
from security.errors import SecurityError
from security.forms import BondCancelForm, BondForm, ReductionForm
from security.models import SuretyBond
from security.overview import security_overview

BONDS_PER_PAGE = 50


@login_required
def financial_security(request: HttpRequest, bn15: str) -> HttpResponse:
    account = get_program_account_for(request.user, bn15, Action.VIEW_SECURITY)
    access_log_viewed(user=request.user, program_account=account, action=Action.VIEW_SECURITY)
    return render(
        request,
        "security/financial_security.html",
        {
            "account": account,
            "overview": security_overview(account, timezone.localdate()),
            "may_request": can(request.user, Action.REQUEST_REDUCTION, account),
            "may_cancel": can(request.user, Action.CANCEL_BOND, account),
            "may_apply_rpp": is_bam(request.user, account.business),
            "may_invite": can(request.user, Action.INVITE_SURETY, account),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def reduction(request: HttpRequest, bn15: str) -> HttpResponse:
    account = get_program_account_for(request.user, bn15, Action.REQUEST_REDUCTION)
    access_log_viewed(user=request.user, program_account=account, action=Action.VIEW_SECURITY)
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
            "required": selectors.requirement_ahead(account, today),
            "today": today,
            "pending": selectors.pending_reduction(account),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def surety_bonds(request: HttpRequest) -> HttpResponse:
    """A surety's bonds, and the form to post one for those who may (`bond_issuer_for`).
    Nobody else has such a page: 404."""
    surety = surety_of(request.user)
    if surety is None:
        raise Http404
    may_post = bond_issuer_for(request.user) is not None
    if request.method == "POST" and not may_post:
        raise PermissionDenied
    form = (
        BondForm(request.POST or None, initial={"program_account": request.GET.get("account", "")})
        if may_post
        else None
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        account = program_account_for_bond(request.user, data["program_account"])
        if account is None:  # unknown, or not invited: the same words
            form.add_service_error(SecurityError("not_invited"))
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
    bonds = _bonds_seen_by(request.user, surety).select_related("program_account__business")
    page = Paginator(bonds.order_by("-created_at", "-pk"), BONDS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "security/surety_bonds.html",
        {
            "surety": surety,
            "form": form,
            "page": page,
            "today": timezone.localdate(),
            "may_cancel": may_post,
        },
    )


@login_required
@require_POST
def importer_bond_cancel(request: HttpRequest, bn15: str, pk: int) -> HttpResponse:
    """The importer's managers stop one of the account's bonds from a day on."""
    account = get_program_account_for(request.user, bn15, Action.CANCEL_BOND)
    return _bond_cancel(
        request,
        get_object_or_404(account.bonds.select_related("program_account"), pk=pk),
        account.business,
        back=reverse("financial_security", args=[account.bn15]),
    )


@login_required
@require_POST
def surety_bond_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """The surety stops one of its bonds from a day on (its readers may not)."""
    if surety_of(request.user) is None:
        raise Http404
    surety = bond_issuer_for(request.user)
    if surety is None:
        raise PermissionDenied
    bond = get_object_or_404(
        _bonds_seen_by(request.user, surety).select_related("program_account"), pk=pk
    )
    return _bond_cancel(request, bond, surety, back=reverse("surety_bonds"))


def _bonds_seen_by(user, surety):
    """The surety's bonds on the accounts it may see (`program_accounts_seen_by_surety`)."""
    return SuretyBond.objects.filter(
        surety=surety, program_account__in=program_accounts_seen_by_surety(user)
    )


def _bond_cancel(request: HttpRequest, bond: SuretyBond, business, *, back: str) -> HttpResponse:
    """The list's form asks for the day; this page then says what the cancellation does
    and cancels only once confirmed. Nothing is written before."""
    form = BondCancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the day the bond is cancelled from."))
        return redirect(back)
    day = form.cleaned_data["cancelled_from"]
    try:
        if "confirm" not in request.POST:
            services.bond_cancel_check(actor_business=business, bond=bond, cancelled_from=day)
            return _bond_cancel_question(request, bond, business, day, back)
        services.bond_cancel(actor_business=business, bond=bond, cancelled_from=day)
    except SecurityError as error:
        messages.error(request, f"{bond.bond_number}: {error.message}")
    else:
        messages.success(
            request,
            _("Bond %(number)s is cancelled from %(date)s and will not renew.")
            % {
                "number": bond.bond_number,
                "date": formats.day(day),
            },
        )
    return redirect(back)


def _bond_cancel_question(
    request: HttpRequest, bond: SuretyBond, business, day, back: str
) -> HttpResponse:
    account, on = bond.program_account, formats.day(day)
    facts = {"number": bond.bond_number, "amount": money(bond.amount), "date": on}
    if business.pk == account.business_id:  # the importer: its security, as it will be
        after = selectors.without_bond(bond, day)
        facts.update(
            account=account.display_number,
            before=money(after.before),
            after=money(after.after),
            required=money(after.required.bond),
            shortfall=money(after.shortfall),
        )
        consequences = [
            _(
                "From %(date)s, the security posted for %(account)s falls from %(before)s to "
                "%(after)s."
            )
            % facts
        ]
        if after.shortfall:
            consequences.append(
                _(
                    "The requirement is %(required)s: %(account)s will be short %(shortfall)s, "
                    "and an account short of security may lose Release Prior to Payment."
                )
                % facts
            )
        else:
            consequences.append(_("The requirement, %(required)s, is still met.") % facts)
    else:  # the surety: its bond, never the importer's whole position
        facts["account"] = account.display_number
        consequences = [
            _("From %(date)s, bond %(number)s of %(amount)s no longer secures %(account)s.") % facts
        ]
    consequences.append(_("The bond does not renew, and the cancellation cannot be undone."))
    return render(
        request,
        "security/bond_cancel_confirm.html",
        {
            "title": _("Cancel bond %(number)s from %(date)s?") % facts,
            "consequences": consequences,
            "day": day,
            "back": back,
        },
    )
