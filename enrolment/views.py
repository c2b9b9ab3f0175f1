"""Applications to CBSA: a business number, an import/export program account, RPP.
Thin: ask the authorization module, read through the selectors, call the services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from delegation.permissions import Action, get_business_for, get_program_account_for
from delegation.services import access_log_viewed
from enrolment import selectors, services
from enrolment.errors import EnrolmentError
from enrolment.forms import (
    BusinessNumberApplicationForm,
    ProgramAccountApplicationForm,
    RppEnrolForm,
)
from enrolment.models import RppApplication


@login_required
def applications(request: HttpRequest) -> HttpResponse:
    """Every application the user follows, newest first."""
    return render(
        request,
        "enrolment/applications.html",
        {
            "bn_applications": selectors.bn_applications_of(request.user),
            "account_applications": selectors.account_applications_of(request.user),
            "rpp_applications": selectors.rpp_applications_of(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def bn_apply(request: HttpRequest) -> HttpResponse:
    form = BusinessNumberApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.bn_application_submit(
                applicant=request.user, **form.cleaned_data
            )
        except EnrolmentError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your application was sent. An officer will review it."))
            return redirect("bn_application", pk=application.pk)
    return render(request, "enrolment/bn_apply.html", {"form": form})


@login_required
def bn_application(request: HttpRequest, pk: int) -> HttpResponse:
    return render(
        request,
        "enrolment/application.html",
        {"application": selectors.get_bn_application_for(request.user, pk), "what": "bn"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_apply(request: HttpRequest, bn9: str) -> HttpResponse:
    business = get_business_for(request.user, bn9, bam=True)
    form = ProgramAccountApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.program_account_apply(
                actor=request.user, business=business, **form.cleaned_data
            )
        except EnrolmentError as error:
            form.add_service_error(error)
        else:
            if application.program_account is not None:
                messages.success(
                    request,
                    _("Program account %(account)s is open.")
                    % {"account": application.program_account.display_number},
                )
                return redirect("program_account", bn15=application.program_account.bn15)
            messages.success(request, _("Your application was sent. An officer will review it."))
            return redirect("account_application", pk=application.pk)
    return render(
        request,
        "enrolment/account_apply.html",
        {
            "business": business,
            "form": form,
            "opens_at_once": not business.program_accounts.exists(),
        },
    )


@login_required
def account_application(request: HttpRequest, pk: int) -> HttpResponse:
    return render(
        request,
        "enrolment/application.html",
        {"application": selectors.get_account_application_for(request.user, pk), "what": "rm"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def rpp_apply(request: HttpRequest, bn15: str) -> HttpResponse:
    """Enrol the account in RPP, or leave it: the business's BAM asks, an officer decides."""
    account = get_program_account_for(request.user, bn15, Action.VIEW_SECURITY)
    if not selectors.may_apply_for(request.user, account):
        raise PermissionDenied
    access_log_viewed(user=request.user, program_account=account, action=Action.VIEW_SECURITY)
    enrolling = account.rpp_status == account.RppStatus.NOT_ENROLLED
    form = RppEnrolForm(request.POST or None) if enrolling else None
    pending = selectors.open_rpp_application(account)
    if request.method == "POST" and pending is None and (form is None or form.is_valid()):
        try:
            application = services.rpp_apply(
                actor=request.user,
                program_account=account,
                kind=RppApplication.Kind.ENROL if enrolling else RppApplication.Kind.LEAVE,
                expected_monthly_ar=form.cleaned_data["expected_monthly_ar"] if form else None,
            )
        except EnrolmentError as error:
            if form is None:
                messages.error(request, error.message)
                return redirect("financial_security", bn15=account.bn15)
            form.add_service_error(error)
        else:
            messages.success(request, _("Your application was sent. An officer will review it."))
            return redirect("rpp_application", pk=application.pk)
    expected = form.cleaned_data.get("expected_monthly_ar") if form and form.is_bound else None
    return render(
        request,
        "enrolment/rpp_apply.html",
        {
            "account": account,
            "form": form,
            "enrolling": enrolling,
            "pending": pending,
            "preview": selectors.rpp_preview(account, timezone.localdate(), expected)
            if enrolling
            else None,
        },
    )


@login_required
def rpp_application(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.get_rpp_application_for(request.user, pk)
    access_log_viewed(
        user=request.user,
        program_account=application.program_account,
        action=Action.VIEW_SECURITY,
    )
    return render(
        request, "enrolment/application.html", {"application": application, "what": "rpp"}
    )
