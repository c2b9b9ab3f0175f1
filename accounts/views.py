from datetime import timedelta

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors
from accounts.errors import AccountsError
from accounts.forms import (
    AccessRequestForm,
    AffinityForm,
    ApiKeyForm,
    GrantForm,
    ProfileForm,
    RegisterBusinessForm,
)
from accounts.services import keys, memberships, onboarding, profiles
from cases.selectors import cases_waiting_on
from delegation.permissions import (
    Action,
    businesses_of,
    can,
    employee_role,
    get_business_for,
    get_program_account_for,
    grantable_accounts,
    grantable_roles,
    is_bam,
    may_manage_membership,
    third_party_relationships,
)
from delegation.services import access_log_viewed
from financial.calendar import next_payment_due
from financial.selectors import account_balance, pending_payments_total

CURRENT_BUSINESS = "carm_business"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    businesses = list(businesses_of(request.user).order_by("legal_name"))
    if not businesses:
        return setup(request)
    by_number = {business.bn9: business for business in businesses}
    business = (
        by_number.get(request.GET.get("business", ""))
        or by_number.get(request.session.get(CURRENT_BUSINESS, ""))
        or businesses[0]
    )
    if request.session.get(CURRENT_BUSINESS) != business.bn9:  # a write only on a change
        request.session[CURRENT_BUSINESS] = business.bn9
    next_due = next_payment_due(timezone.localdate())
    accounts = selectors.dashboard_accounts(request.user, business, next_due)
    return render(
        request,
        "accounts/home.html",
        {
            "businesses": businesses,
            "business": business,
            "accounts": accounts,
            "next_due": next_due,
            "manages_access": bool(grantable_roles(request.user, business)),
            "is_bam": is_bam(request.user, business),
            "pending_count": selectors.pending_access_requests(request.user, business).count(),
            "waiting_cases": list(
                cases_waiting_on(request.user, [row["account"] for row in accounts])
            ),
        },
    )


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Where a person linked to no business starts; an officer, whose work is in the
    admin, is sent there instead of being offered to register a business."""
    if request.user.is_staff and not businesses_of(request.user).exists():
        return render(request, "accounts/officer_home.html")
    return render(
        request,
        "accounts/setup.html",
        {"access_requests": selectors.own_access_requests(request.user)},
    )


ANSWERING = "answers"


@login_required
@require_http_methods(["GET", "POST"])
def register_business(request: HttpRequest) -> HttpResponse:
    """Step one: BN9, program account and legal name. Step two, when the account has a
    history: the affinity questions, the step-one answers carried along in hidden fields
    (the service checks them again)."""
    if "change" in request.POST:  # back to step one, as typed
        return _register_business_page(request, RegisterBusinessForm(initial=request.POST.dict()))
    form = RegisterBusinessForm(request.POST or None)
    answers_form = None
    offer_access_request = False
    if request.method == "POST" and form.is_valid():
        try:
            quiz = onboarding.business_registration_check(user=request.user, **form.cleaned_data)
            answers = []
            if quiz.required:
                answering = request.POST.get("step") == ANSWERING
                answers_form = AffinityForm(request.POST if answering else None, quiz=quiz)
                if not (answering and answers_form.is_valid()):
                    return _register_business_page(request, form, answers_form)
                answers = answers_form.answers()
            membership = onboarding.business_register(
                user=request.user, **form.cleaned_data, answers=answers
            )
        except AccountsError as error:
            if answers_form is not None and error.code not in form.error_fields:
                answers_form.add_service_error(error)
            else:
                answers_form = None
                form.add_service_error(error)
                offer_access_request = error.code == "already_managed"
        else:
            messages.success(
                request,
                _("%(business)s is registered. You are its Business Account Manager.")
                % {"business": membership.business.legal_name},
            )
            return redirect(f"{reverse('home')}?business={membership.business.bn9}")
    return _register_business_page(
        request, form, answers_form, offer_access_request=offer_access_request
    )


def _register_business_page(
    request: HttpRequest,
    form: RegisterBusinessForm,
    answers_form: AffinityForm | None = None,
    *,
    offer_access_request: bool = False,
) -> HttpResponse:
    return render(
        request,
        "accounts/register_business.html",
        {
            "form": form,
            "answers_form": answers_form,
            "answering": ANSWERING,
            "offer_access_request": offer_access_request,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_access(request: HttpRequest) -> HttpResponse:
    form = AccessRequestForm(request.POST or None, initial={"bn9": request.GET.get("bn9", "")})
    if request.method == "POST" and form.is_valid():
        try:
            access_request = onboarding.access_request_create(
                user=request.user, **form.cleaned_data
            )
        except AccountsError as error:
            form.add_service_error(error)
        else:
            # The business's name is not said: a business number alone does not entitle
            # anyone to it.
            messages.success(
                request,
                _(
                    "Your request for access to business number %(bn9)s was sent to its "
                    "Business Account Managers. You will be notified when they answer."
                )
                % {"bn9": access_request.business.bn9},
            )
            return redirect("home")
    return render(
        request,
        "accounts/request_access.html",
        {"form": form, "access_requests": selectors.own_access_requests(request.user)},
    )


@login_required
def program_account_detail(request: HttpRequest, bn15: str) -> HttpResponse:
    account = get_program_account_for(request.user, bn15)
    access_log_viewed(user=request.user, program_account=account)
    sees_money = can(request.user, Action.VIEW_STATEMENTS, account)
    role = employee_role(request.user, account)
    return render(
        request,
        "accounts/program_account.html",
        {
            "account": account,
            "role": role,
            # The page names the relationships only of someone who is not an employee.
            "relationships": [] if role else third_party_relationships(request.user, account),
            "may_manage_access": can(request.user, Action.MANAGE_ACCESS, account),
            "sees_security": can(request.user, Action.VIEW_SECURITY, account),
            "sees_cases": can(request.user, Action.VIEW_CASES, account),
            "manages_banking": can(request.user, Action.MANAGE_BANKING, account),
            "may_file": can(request.user, Action.FILE_DECLARATION, account),
            "may_pay": can(request.user, Action.PAY, account),
            "balance": account_balance(account) if sees_money else None,
            "pending": pending_payments_total(account) if sees_money else None,
        },
    )


@login_required
def employees(request: HttpRequest, bn9: str) -> HttpResponse:
    business = get_business_for(request.user, bn9, manage=True)
    memberships = selectors.business_memberships(request.user, business)
    return render(
        request,
        "accounts/employees.html",
        {
            "business": business,
            "rows": [(m, may_manage_membership(request.user, m)) for m in memberships],
            "pending": selectors.pending_access_requests(request.user, business),
            "history": selectors.access_history(request.user, business),
        },
    )


def _grant_form(request: HttpRequest, business, **kwargs) -> GrantForm:
    return GrantForm(
        request.POST or None,
        roles=grantable_roles(request.user, business),
        accounts=grantable_accounts(request.user, business).order_by("bn15"),
        **kwargs,
    )


@login_required
@require_http_methods(["GET", "POST"])
def access_request_decide(request: HttpRequest, bn9: str, pk: int) -> HttpResponse:
    business = get_business_for(request.user, bn9, manage=True)
    access_request = business.access_requests.filter(pk=pk).select_related("user").first()
    if access_request is None:
        raise Http404
    form = _grant_form(request, business)
    if request.method == "POST" and form.is_valid():
        try:
            memberships.access_request_approve(
                actor=request.user,
                access_request=access_request,
                role=form.cleaned_data["role"],
                program_accounts=form.cleaned_data["program_accounts"],
            )
        except AccountsError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                _("%(person)s now has access.") % {"person": access_request.user.get_full_name()},
            )
            return redirect("employees", bn9=business.bn9)
    return render(
        request,
        "accounts/access_request_decide.html",
        {"business": business, "access_request": access_request, "form": form},
    )


@login_required
@require_POST
def access_request_reject(request: HttpRequest, bn9: str, pk: int) -> HttpResponse:
    business = get_business_for(request.user, bn9, manage=True)
    access_request = business.access_requests.filter(pk=pk).first()
    if access_request is None:
        raise Http404
    try:
        memberships.access_request_reject(actor=request.user, access_request=access_request)
    except AccountsError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The request was refused; the person is notified."))
    return redirect("employees", bn9=business.bn9)


def _managed_membership(request: HttpRequest, bn9: str, pk: int) -> tuple:
    business = get_business_for(request.user, bn9, manage=True)
    membership = business.memberships.filter(pk=pk).select_related("user").first()
    if membership is None:
        raise Http404
    if not may_manage_membership(request.user, membership):
        raise PermissionDenied
    return business, membership


@login_required
@require_http_methods(["GET", "POST"])
def membership_edit(request: HttpRequest, bn9: str, pk: int) -> HttpResponse:
    business, membership = _managed_membership(request, bn9, pk)
    form = _grant_form(
        request,
        business,
        initial={"role": membership.role, "program_accounts": membership.program_accounts.all()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            memberships.membership_update(
                actor=request.user,
                membership=membership,
                role=form.cleaned_data["role"],
                program_accounts=form.cleaned_data["program_accounts"],
            )
        except AccountsError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("Access changed."))
            return redirect("employees", bn9=business.bn9)
    return render(
        request,
        "accounts/membership_edit.html",
        {"business": business, "membership": membership, "form": form},
    )


@login_required
@require_POST
def membership_remove(request: HttpRequest, bn9: str, pk: int) -> HttpResponse:
    business, membership = _managed_membership(request, bn9, pk)
    try:
        memberships.membership_remove(actor=request.user, membership=membership)
    except AccountsError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(person)s no longer has access.") % {"person": membership.user.get_full_name()},
        )
    if membership.user_id == request.user.id:
        return redirect("home")
    return redirect("employees", bn9=business.bn9)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = profiles.user_profile_update(user=request.user, **form.cleaned_data)
        with translation.override(user.preferred_language):
            messages.success(request, _("Your profile was saved."))
            return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """Ends every session of the person, this one included."""
    profiles.sessions_end_everywhere(user=request.user)
    logout(request)
    messages.success(request, _("You are signed out on every device. Sign in again here."))
    return redirect("account_login")


@login_required
def api_keys(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/api_keys.html",
        {"keys": request.user.api_keys.all(), "form": ApiKeyForm(), "now": timezone.now()},
    )


@login_required
@require_POST
@reauthentication_required
def api_key_create(request: HttpRequest) -> HttpResponse:
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "accounts/api_keys.html",
            {"keys": request.user.api_keys.all(), "form": form, "now": timezone.now()},
        )
    days = form.cleaned_data["expires_in"]
    expires_at = timezone.now() + timedelta(days=int(days)) if days else None
    key, plain_text = keys.api_key_create(
        user=request.user, name=form.cleaned_data["name"], expires_at=expires_at
    )
    return render(
        request,
        "accounts/api_keys.html",
        {
            "keys": request.user.api_keys.all(),
            "form": ApiKeyForm(),
            "new_key": key,
            "plain_text": plain_text,
            "now": timezone.now(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def api_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Asks first, saying what stops working; the POST revokes."""
    key = request.user.api_keys.filter(pk=pk).first()
    if key is None:
        raise Http404
    if request.method == "GET" and key.revoked_at is not None:
        return redirect("api_keys")
    if request.method == "GET":
        return render(
            request,
            "includes/confirm.html",
            {
                "title": _("Revoke the key “%(name)s”?") % {"name": key.name},
                "consequences": [
                    _("Every program that uses this key is refused from the moment you revoke it."),
                    _("A revoked key cannot be used again; you can create a new one."),
                ],
                "confirm": _("Revoke the key"),
                "back": reverse("api_keys"),
            },
        )
    key = keys.api_key_revoke(user=request.user, key_id=pk)
    messages.success(request, _("The key “%(name)s” is revoked.") % {"name": key.name})
    return redirect("api_keys")
