"""The officers' case queue: each case worked on its own page (assign it to oneself, write
or ask for information by a date, render the decision), its documents read through the
admin, never a public URL."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from carm.admin import ReadOnlyAdmin
from carm.forms import MoneyField
from carm.widgets import DatePicker
from cases import selectors, services
from cases.documents import document_response
from cases.errors import CaseError
from cases.models import Case


class OfficerMessageForm(forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}))
    information_due = forms.DateField(
        label=_("Ask for information by (optional)"),
        required=False,
        widget=DatePicker(),
        help_text=_("With a date, the case waits on the requester, reminded 7 days before."),
    )


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), widget=forms.RadioSelect, choices=[])
    text = forms.CharField(
        label=_("Decision"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The requester reads it."),
    )
    classification = forms.CharField(label=_("Classification decided"), required=False)
    effective_date = forms.DateField(label=_("Effective date"), required=False, widget=DatePicker())

    def __init__(self, *args, case: Case, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if case.kind == Case.Kind.RULING:
            self.fields["outcome"].choices = [(Case.Outcome.RULING, Case.Outcome.RULING.label)]
            self.fields["outcome"].initial = Case.Outcome.RULING
        else:
            del self.fields["classification"], self.fields["effective_date"]
            self.fields["outcome"].choices = [
                (outcome, outcome.label)
                for outcome in (
                    Case.Outcome.ALLOWED,
                    Case.Outcome.ALLOWED_IN_PART,
                    Case.Outcome.DENIED,
                )
            ]
            for link in case.declarations.select_related("declaration"):
                self.fields[f"credit_{link.pk}"] = MoneyField(
                    label=_("Credit on %(number)s when allowed in part")
                    % {"number": link.declaration.transaction_number},
                    required=False,
                    min_value=Decimal("0"),
                )

    def credits(self) -> dict[int, Decimal]:
        return {
            int(name.removeprefix("credit_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("credit_") and value
        }


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "program_account",
        "kind",
        "status",
        "assigned_to",
        "information_due",
        "submitted_at",
        "work_link",
    )
    list_filter = ("status", "kind", ("assigned_to", admin.RelatedOnlyFieldListFilter))
    search_fields = ("program_account__bn15", "program_account__business__legal_name")
    list_select_related = ("program_account", "assigned_to")
    actions = ["assign_to_me"]

    @admin.display(description=_("case"), ordering="pk")
    def number(self, case: Case) -> str:
        return case.number

    @admin.display(description=_("work"))
    def work_link(self, case: Case):
        url = reverse("admin:cases_case_work", args=[case.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open"))

    def has_work_permission(self, request) -> bool:
        return request.user.has_perm("cases.work_case")

    @admin.action(description=_("Assign the selected cases to me"), permissions=["work"])
    def assign_to_me(self, request, queryset) -> None:
        for case in queryset.filter(status=Case.Status.SUBMITTED):
            services.case_assign(officer=request.user, case=case)
        self.message_user(request, _("The submitted cases among them are assigned to you."))

    def get_urls(self):
        work = self.admin_site.admin_view(self.work_view)
        download = self.admin_site.admin_view(self.document_view)
        return [
            path("<int:pk>/work/", work, name="cases_case_work"),
            path("<int:pk>/documents/<int:document_pk>/", download, name="cases_case_document"),
            *super().get_urls(),
        ]

    def _case(self, request, pk: int) -> Case:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(
            Case.objects.select_related("program_account__business", "filed_by"), pk=pk
        )

    def work_view(self, request, pk: int):
        case = self._case(request, pk)
        may_work = self.has_work_permission(request)
        message_form = OfficerMessageForm(request.POST if "message" in request.POST else None)
        decision_form = DecisionForm(request.POST if "decide" in request.POST else None, case=case)
        if request.method == "POST":
            if not may_work:
                raise PermissionDenied
            try:
                if "assign" in request.POST:
                    services.case_assign(officer=request.user, case=case)
                    return self._done(request, case, _("The case is assigned to you."))
                if "message" in request.POST and message_form.is_valid():
                    services.case_officer_message(
                        officer=request.user,
                        case=case,
                        body=message_form.cleaned_data["body"],
                        information_due=message_form.cleaned_data["information_due"],
                        uploads=request.FILES.getlist("documents"),
                    )
                    return self._done(request, case, _("The message was sent."))
                if "decide" in request.POST and decision_form.is_valid():
                    data = decision_form.cleaned_data
                    services.case_decide(
                        officer=request.user,
                        case=case,
                        outcome=data["outcome"],
                        text=data["text"],
                        credits=decision_form.credits(),
                        classification=data.get("classification", ""),
                        effective_date=data.get("effective_date"),
                    )
                    return self._done(request, case, _("The decision is rendered."))
            except CaseError as error:
                self.message_user(request, error.message, messages.ERROR)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Case %(number)s") % {"number": case.number},
            "opts": self.model._meta,
            "case": case,
            "may_work": may_work,
            "message_form": message_form,
            "decision_form": decision_form,
            **selectors.case_page(case),
        }
        return TemplateResponse(request, "cases/admin/work.html", context)

    def _done(self, request, case: Case, text: str):
        self.message_user(request, text)
        return redirect("admin:cases_case_work", pk=case.pk)

    def document_view(self, request, pk: int, document_pk: int):
        case = self._case(request, pk)
        return document_response(get_object_or_404(case.documents, pk=document_pk))
