"""Officers' queues of applications: each decided on its own page (approve, or refuse
with the reason the applicant reads)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from carm.admin import ReadOnlyAdmin
from carm.formats import day, money
from enrolment.errors import EnrolmentError
from enrolment.models import (
    Application,
    BusinessNumberApplication,
    ProgramAccountApplication,
    RppApplication,
)
from enrolment.selectors import businesses_named
from enrolment.services import application_approve, application_refuse
from security.selectors import coverage


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason for the refusal"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The applicant reads it."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "refuse" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the application is refused."))
        return data


class ApplicationAdmin(ReadOnlyAdmin):
    list_filter = ("status",)
    date_hierarchy = "submitted_at"

    @admin.display(description=_("decision"))
    def decide_link(self, application: Application):
        if not application.is_open:
            return application.get_status_display()
        url = reverse(f"admin:{self._url_name('decide')}", args=[application.pk])
        return format_html('<a href="{}">{}</a>', url, _("Decide"))

    def _url_name(self, view: str) -> str:
        return f"{self.model._meta.app_label}_{self.model._meta.model_name}_{view}"

    def _may_decide(self, request) -> bool:
        return request.user.has_perm(
            f"{self.model._meta.app_label}.decide_{self.model._meta.model_name}"
        )

    def get_urls(self):
        decide = path(
            "<int:pk>/decide/",
            self.admin_site.admin_view(self.decide_view),
            name=self._url_name("decide"),
        )
        return [decide, *super().get_urls()]

    def decide_view(self, request, pk: int):
        if not self._may_decide(request):
            raise PermissionDenied
        application = get_object_or_404(self.get_queryset(request), pk=pk)
        form = DecisionForm(request.POST or None)
        if request.method == "POST" and application.is_open and form.is_valid():
            try:
                if form.cleaned_data["decision"] == "approve":
                    application_approve(officer=request.user, application=application)
                else:
                    application_refuse(
                        officer=request.user,
                        application=application,
                        reason=form.cleaned_data["reason"],
                    )
            except EnrolmentError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, _("The application is decided; the applicant is told."))
                return redirect(reverse(f"admin:{self._url_name('changelist')}"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Decide the application"),
            "opts": self.model._meta,
            "application": application,
            "rows": self.facts(application),
            "form": form,
        }
        return TemplateResponse(request, "enrolment/admin/decide.html", context)

    def facts(self, application) -> list[tuple[str, object]]:
        """What the officer weighs, label and value."""
        raise NotImplementedError


@admin.register(BusinessNumberApplication)
class BusinessNumberApplicationAdmin(ApplicationAdmin):
    list_display = ("submitted_at", "legal_name", "applicant", "status", "business", "decide_link")
    search_fields = ("legal_name", "operating_name", "applicant__email")
    list_select_related = ("applicant", "business")

    def facts(self, application):
        same_name = businesses_named(application.legal_name)
        return [
            (_("Legal name"), application.legal_name),
            (_("Operating name"), application.operating_name or "—"),
            (_("Type of organization"), application.get_organization_type_display()),
            (
                _("Address"),
                f"{application.street}, {application.city} {application.province} "
                f"{application.postal_code}",
            ),
            (
                _("Applicant"),
                f"{application.applicant.get_full_name()} ({application.applicant.email})",
            ),
            (_("Applicant's role"), application.get_applicant_role_display()),
            (
                _("Businesses on record with the same name"),
                ", ".join(str(business) for business in same_name) or "—",
            ),
        ]


@admin.register(ProgramAccountApplication)
class ProgramAccountApplicationAdmin(ApplicationAdmin):
    list_display = (
        "submitted_at",
        "business",
        "applicant",
        "status",
        "program_account",
        "decide_link",
    )
    search_fields = ("business__legal_name", "business__bn9", "applicant__email")
    list_select_related = ("business", "applicant", "program_account")

    def facts(self, application):
        business = application.business
        return [
            (_("Business"), str(business)),
            (
                _("Program accounts it has"),
                ", ".join(str(account) for account in business.program_accounts.all()) or "—",
            ),
            (_("Operating name"), application.operating_name or "—"),
            (_("Activity"), application.get_activity_display()),
            (_("Start of commercial activity"), day(application.start_date)),
            (_("Business activity"), application.description),
            (
                _("Applicant"),
                f"{application.applicant.get_full_name()} ({application.applicant.email})",
            ),
        ]


@admin.register(RppApplication)
class RppApplicationAdmin(ApplicationAdmin):
    list_display = ("submitted_at", "program_account", "kind", "applicant", "status", "decide_link")
    list_filter = ("status", "kind")
    search_fields = ("program_account__bn15", "program_account__business__legal_name")
    list_select_related = ("program_account", "applicant")

    def facts(self, application):
        account = application.program_account
        cover = coverage(account, timezone.localdate())
        rows = [
            (_("Program account"), f"{account} — {account.business.legal_name}"),
            (_("Request"), application.get_kind_display()),
            (_("RPP status"), account.get_rpp_status_display()),
        ]
        if application.kind == RppApplication.Kind.ENROL:
            rows += [
                (_("Expected monthly accounts receivable"), money(application.expected_monthly_ar)),
                (_("Surety bond required"), money(cover.required.bond)),
                (_("Bonds posted"), money(cover.bonds)),
                (_("Cash deposited"), money(cover.cash)),
                (_("Shortfall"), money(cover.shortfall)),
            ]
        return rows
