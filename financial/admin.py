from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from carm.admin import DecidedOnItsPage, PortalFormats, PortalFormatsInline, ReadOnlyAdmin
from carm.formats import money, percent
from financial.errors import FinancialError
from financial.forms import InvoiceCancelForm, InvoiceIssueForm, RefundRefuseForm
from financial.models import (
    MONEY,
    AccountBalance,
    Declaration,
    DeclarationLine,
    DeclarationVersion,
    InterestAccrual,
    Invoice,
    Payment,
    Posting,
    PrescribedRate,
    RefundRequest,
    Statement,
)
from financial.selectors import COMPARED, version_changes, with_invoice_status
from financial.services import (
    adjustment_decide,
    invoice_cancel,
    invoice_issue,
    payment_return_by_officer,
    payment_settle,
    refund_issue,
    refund_request_approve,
    refund_request_issue,
    refund_request_refuse,
)


@admin.register(Posting)
class PostingAdmin(ReadOnlyAdmin):
    list_display = (
        "posted_at",
        "program_account",
        "kind",
        "amount",
        "transaction_number",
        "filed_by",
    )
    list_filter = ("kind",)
    search_fields = ("program_account__bn15", "transaction_number")
    list_select_related = ("program_account", "filed_by")
    date_hierarchy = "posted_at"


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    """Officers mark online banking, wire and EDI payments received when the money
    arrives, or returned when it never does (the banks' returns come in their files)."""

    list_display = (
        "created_at",
        "program_account",
        "amount",
        "method",
        "status",
        "paid_by",
        "settled_at",
        "return_reason",
    )
    list_filter = ("status", "method")
    search_fields = ("program_account__bn15", "idempotency_key")
    list_select_related = ("program_account", "paid_by")
    actions = ["mark_received", "mark_not_received"]

    def has_settle_permission(self, request) -> bool:
        return request.user.has_perm("financial.settle_payment")

    def has_return_permission(self, request) -> bool:
        return request.user.has_perm("financial.return_payment")

    def _each_pending(self, request, queryset, service, done) -> None:
        count = 0
        for payment in queryset.select_related("program_account"):
            if payment.status != Payment.Status.PENDING:
                continue
            try:
                service(officer=request.user, payment=payment)
            except FinancialError as error:
                self.message_user(request, f"{payment}: {error.message}", messages.ERROR)
            else:
                count += 1
        self.message_user(request, done(count))

    @admin.action(description=_("Mark the selected payments received"), permissions=["settle"])
    def mark_received(self, request, queryset) -> None:
        self._each_pending(
            request,
            queryset,
            payment_settle,
            lambda n: (
                ngettext(
                    "%(count)d payment marked received and applied to what is owed.",
                    "%(count)d payments marked received and applied to what is owed.",
                    n,
                )
                % {"count": n}
            ),
        )

    @admin.action(
        description=_("Record that the selected payments did not arrive"), permissions=["return"]
    )
    def mark_not_received(self, request, queryset) -> None:
        def not_received(*, officer, payment):
            return payment_return_by_officer(
                officer=officer, payment=payment, reason=Payment.ReturnReason.NOT_RECEIVED
            )

        self._each_pending(
            request,
            queryset,
            not_received,
            lambda n: (
                ngettext(
                    "%(count)d payment recorded as not received; its payer is told.",
                    "%(count)d payments recorded as not received; their payers are told.",
                    n,
                )
                % {"count": n}
            ),
        )


class VersionInline(PortalFormatsInline, admin.TabularInline):
    model = DeclarationVersion
    extra = 0
    fields = ("number", "kind", "status", "reason_code", "total", "created_by", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Declaration)
class DeclarationAdmin(ReadOnlyAdmin):
    list_display = (
        "transaction_number",
        "program_account",
        "status",
        "total",
        "filed_by",
        "filed_at",
        "late",
    )
    list_filter = ("status", "late")
    search_fields = ("transaction_number", "program_account__bn15", "vendor")
    list_select_related = ("program_account", "filed_by")
    inlines = [VersionInline]


MONEY_COLUMNS = frozenset(
    name
    for name in COMPARED
    if getattr(DeclarationLine._meta.get_field(name), "decimal_places", None)
    == MONEY["decimal_places"]
)


def _cells(line: DeclarationLine | None, changed: frozenset[str]) -> list[dict] | None:
    """A line's compared columns as officers read them, each marked if it changed."""
    if line is None:
        return None
    shown = []
    for name in COMPARED:
        value = getattr(line, name)
        if name in MONEY_COLUMNS:
            value = money(value)
        elif name.endswith("_rate"):
            value = percent(value)
        shown.append({"value": value, "changed": name in changed})
    return shown


@admin.register(DeclarationVersion)
class DeclarationVersionAdmin(DecidedOnItsPage):
    """Officers decide adjustments on each one's page, its lines beside those it would
    replace; approving posts the difference to the ledger. Many are approved at once from
    the list; a rejection needs its reason, so it is made on the page."""

    list_display = (
        "declaration",
        "number",
        "kind",
        "status",
        "reason_code",
        "total",
        "created_at",
        "review",
    )
    list_filter = ("status", "kind", "reason_code")
    search_fields = ("declaration__transaction_number",)
    list_select_related = ("declaration",)
    actions = ["approve_adjustments"]

    decide_template = "financial/admin/adjustment_decide.html"

    def decide_queryset(self):
        return DeclarationVersion.objects.select_related(
            "declaration__program_account__business", "created_by", "decided_by"
        )

    def decide(self, request, version: DeclarationVersion, *, approve: bool, note: str) -> None:
        adjustment_decide(officer=request.user, version=version, approve=approve, note=note)

    def decided_message(self, version: DeclarationVersion, *, approve: bool) -> str:
        return _("%(version)s is %(decision)s.") % {
            "version": version,
            "decision": _("approved") if approve else _("rejected"),
        }

    def decide_context(self, request, version: DeclarationVersion) -> dict:
        previous, changes = version_changes(version)
        return {
            "title": _("Adjustment %(version)s") % {"version": version},
            "version": version,
            "declaration": version.declaration,
            "previous": previous,
            "difference": version.total - previous.total if previous else None,
            "columns": [DeclarationLine._meta.get_field(name).verbose_name for name in COMPARED],
            "rows": [
                {
                    "position": change.position,
                    "before": _cells(change.before, frozenset()),
                    "after": _cells(change.after, change.changed),
                }
                for change in changes
            ],
            "consequence": _(
                "Approving posts the difference to the program account's ledger. The filer "
                "is notified of the decision and the note."
            ),
        }

    def _decide(self, request, queryset, *, approve: bool) -> None:
        decided = 0
        for version in queryset.filter(status=DeclarationVersion.Status.PENDING):
            try:
                adjustment_decide(officer=request.user, version=version, approve=approve)
            except FinancialError as error:
                self.message_user(request, f"{version}: {error.message}", messages.ERROR)
            else:
                decided += 1
        self.message_user(
            request,
            ngettext("%(count)d adjustment decided.", "%(count)d adjustments decided.", decided)
            % {"count": decided},
        )

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm("financial.decide_adjustment")

    @admin.action(description=_("Approve the selected adjustments"), permissions=["decide"])
    def approve_adjustments(self, request, queryset) -> None:
        self._decide(request, queryset, approve=True)


@admin.register(AccountBalance)
class AccountBalanceAdmin(ReadOnlyAdmin):
    """Balances as the ledger keeps them; officers refund credit balances from here."""

    list_display = ("program_account", "balance", "postings", "updated_at")
    search_fields = ("program_account__bn15", "program_account__business__legal_name")
    list_select_related = ("program_account",)
    actions = ["refund_credit"]

    def has_refund_permission(self, request) -> bool:
        return request.user.has_perm("financial.refund_credit")

    @admin.action(description=_("Refund the credit balance"), permissions=["refund"])
    def refund_credit(self, request, queryset) -> None:
        refunded = 0
        for row in queryset.select_related("program_account"):
            try:
                refund_issue(
                    officer=request.user, program_account=row.program_account, amount=-row.balance
                )
            except FinancialError as error:
                self.message_user(
                    request, f"{row.program_account}: {error.message}", messages.ERROR
                )
            else:
                refunded += 1
        self.message_user(
            request,
            ngettext("%(count)d refund issued.", "%(count)d refunds issued.", refunded)
            % {"count": refunded},
        )


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = (
        "program_account",
        "statement_date",
        "period_start",
        "period_end",
        "due_date",
        "total_payable",
    )
    list_filter = ("statement_date",)
    search_fields = ("program_account__bn15",)
    date_hierarchy = "statement_date"
    list_select_related = ("program_account",)


@admin.register(InterestAccrual)
class InterestAccrualAdmin(ReadOnlyAdmin):
    list_display = ("program_account", "day", "overdue", "rate", "amount")
    search_fields = ("program_account__bn15",)
    date_hierarchy = "day"
    list_select_related = ("program_account",)

    @admin.display(description=_("specified rate"), ordering="annual_rate")
    def rate(self, accrual: InterestAccrual) -> str:
        return percent(accrual.annual_rate / 100)  # kept in percent: 9.00 is 9%


@admin.register(PrescribedRate)
class PrescribedRateAdmin(PortalFormats, admin.ModelAdmin):
    """Officers set each quarter's prescribed rate; overdue amounts bear it plus 6 points."""

    list_display = ("quarter_start", "rate_shown", "set_by")
    fields = ("quarter_start", "rate")

    @admin.display(description=_("prescribed rate"), ordering="rate")
    def rate_shown(self, rate: PrescribedRate) -> str:
        return percent(rate.rate / 100)  # typed and kept in percent: 5.00 is 5%

    def save_model(self, request, obj, form, change) -> None:
        obj.set_by = request.user
        super().save_model(request, obj, form, change)


class CancelledFilter(admin.SimpleListFilter):
    title = _("cancelled")
    parameter_name = "cancelled"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(cancelled_at__isnull=self.value() == "no")
        return queryset


class InvoiceChangeList(ChangeList):
    """The page's invoices with their status read from the ledger, all at once."""

    def get_results(self, request) -> None:
        super().get_results(request)
        self.result_list = with_invoice_status(self.result_list, timezone.localdate())


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    """Officers issue invoices (an AMP, a service fee) and cancel them, once, with a
    reason; an invoice is never edited. Issuing posts its charge, cancelling the reversal."""

    list_display = (
        "reference",
        "program_account",
        "kind",
        "amount",
        "due_date",
        "status",
        "issued_at",
    )
    list_filter = ("kind", CancelledFilter)
    search_fields = ("reference", "program_account__bn15", "program_account__business__legal_name")
    list_select_related = ("program_account",)
    date_hierarchy = "issued_at"
    fields = (
        "reference",
        "program_account",
        "kind",
        "description",
        "amount",
        "due_date",
        "status",
        "issued_by",
        "issued_at",
        "posting",
        "cancelled_at",
        "cancelled_by",
        "cancellation_reason",
        "cancellation_posting",
    )
    readonly_fields = fields
    change_form_template = "financial/admin/invoice_change_form.html"

    def get_changelist(self, request, **kwargs):
        return InvoiceChangeList

    @admin.display(description=_("status"))
    def status(self, invoice: Invoice) -> str:
        if not hasattr(invoice, "status_label"):  # one invoice's page
            with_invoice_status([invoice], timezone.localdate())
        return invoice.status_label

    def has_add_permission(self, request) -> bool:
        return request.user.has_perm("financial.add_invoice")

    def has_cancel_permission(self, request) -> bool:
        return request.user.has_perm("financial.cancel_invoice")

    def get_urls(self):
        cancel = path(
            "<int:pk>/cancel/",
            self.admin_site.admin_view(self.cancel_view),
            name="financial_invoice_cancel",
        )
        return [cancel, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "may_cancel": self.has_cancel_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _page(self, request, template: str, title, form, **extra) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "form": form,
            **extra,
        }
        return TemplateResponse(request, template, context)

    def add_view(self, request, form_url="", extra_context=None):
        """Issue through the service: its refusals land on the form's fields."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = InvoiceIssueForm(request.POST or None, initial=request.GET.dict())
        if request.method == "POST" and form.is_valid():
            try:
                invoice = invoice_issue(officer=request.user, **form.cleaned_data)
            except FinancialError as error:
                form.add_service_error(error)
            else:
                self.message_user(
                    request,
                    _("Invoice %(reference)s is issued and its charge posted.")
                    % {"reference": invoice.reference},
                )
                return redirect(reverse("admin:financial_invoice_change", args=[invoice.pk]))
        return self._page(
            request, "financial/admin/invoice_issue.html", _("Issue an invoice"), form
        )

    def cancel_view(self, request, pk: int):
        if not self.has_cancel_permission(request):
            raise PermissionDenied
        invoice = get_object_or_404(Invoice.objects.select_related("program_account"), pk=pk)
        form = InvoiceCancelForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                invoice_cancel(officer=request.user, invoice=invoice, **form.cleaned_data)
            except FinancialError as error:
                form.add_service_error(error)
            else:
                self.message_user(
                    request,
                    _("Invoice %(reference)s is cancelled and its charge reversed.")
                    % {"reference": invoice.reference},
                )
                return redirect(reverse("admin:financial_invoice_change", args=[invoice.pk]))
        return self._page(
            request,
            "financial/admin/invoice_cancel.html",
            _("Cancel invoice %(reference)s") % {"reference": invoice.reference},
            form,
            invoice=invoice,
        )


@admin.register(RefundRequest)
class RefundRequestAdmin(ReadOnlyAdmin):
    """Officers approve or refuse the refunds Business Account Managers request, then issue
    the approved ones: issuing checks the credit again and posts the refund (docs/rules.md
    §14). Each step tells the importer's Business Account Managers."""

    list_display = (
        "reference",
        "program_account",
        "amount",
        "status",
        "requested_at",
        "requested_by",
        "approved_at",
        "issued_at",
        "refused_at",
    )
    list_filter = ("status",)
    search_fields = ("program_account__bn15", "program_account__business__legal_name")
    list_select_related = ("program_account", "requested_by")
    date_hierarchy = "requested_at"
    fields = (
        "reference",
        "program_account",
        "amount",
        "credit_now",
        "status",
        "requested_by",
        "requested_at",
        "approved_by",
        "approved_at",
        "refused_by",
        "refused_at",
        "refusal_reason",
        "issued_by",
        "issued_at",
        "posting",
    )
    readonly_fields = fields
    actions = ["approve_refunds", "issue_refunds"]
    change_form_template = "financial/admin/refund_change_form.html"

    @admin.display(description=_("reference"))
    def reference(self, refund: RefundRequest) -> str:
        return refund.reference

    @admin.display(description=_("credit on the account now"))
    def credit_now(self, refund: RefundRequest) -> str:
        balance = (
            AccountBalance.objects.filter(program_account_id=refund.program_account_id)
            .values_list("balance", flat=True)
            .first()
        )
        return money(max(-(balance or 0), 0))

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm("financial.decide_refund")

    def has_issue_permission(self, request) -> bool:
        return request.user.has_perm("financial.issue_refund")

    def _each(self, request, refunds, service, done) -> int:
        count = 0
        for refund in refunds:
            try:
                service(officer=request.user, refund=refund)
            except FinancialError as error:
                self.message_user(request, f"{refund.reference}: {error.message}", messages.ERROR)
            else:
                count += 1
        self.message_user(request, done(count))
        return count

    def _approve(self, request, refunds) -> None:
        self._each(
            request,
            refunds,
            refund_request_approve,
            lambda n: (
                ngettext(
                    "%(count)d refund request approved.", "%(count)d refund requests approved.", n
                )
                % {"count": n}
            ),
        )

    def _issue(self, request, refunds) -> None:
        self._each(
            request,
            refunds,
            refund_request_issue,
            lambda n: (
                ngettext(
                    "%(count)d refund issued and posted to the ledger.",
                    "%(count)d refunds issued and posted to the ledger.",
                    n,
                )
                % {"count": n}
            ),
        )

    @admin.action(description=_("Approve the selected refund requests"), permissions=["decide"])
    def approve_refunds(self, request, queryset) -> None:
        self._approve(
            request,
            queryset.filter(status=RefundRequest.Status.REQUESTED).select_related(
                "program_account"
            ),
        )

    @admin.action(description=_("Issue the selected approved refunds"), permissions=["issue"])
    def issue_refunds(self, request, queryset) -> None:
        self._issue(
            request,
            queryset.filter(status=RefundRequest.Status.APPROVED).select_related("program_account"),
        )

    def get_urls(self):
        def route(suffix, view):
            return path(
                f"<int:pk>/{suffix}/",
                self.admin_site.admin_view(view),
                name=f"financial_refundrequest_{suffix}",
            )

        return [
            route("approve", self.approve_view),
            route("issue", self.issue_view),
            route("refuse", self.refuse_view),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "may_decide": self.has_decide_permission(request),
            "may_issue": self.has_issue_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _refund(self, request, pk: int, allowed: bool) -> RefundRequest:
        if not allowed:
            raise PermissionDenied
        return get_object_or_404(RefundRequest.objects.select_related("program_account"), pk=pk)

    def _back(self, refund: RefundRequest):
        return redirect(reverse("admin:financial_refundrequest_change", args=[refund.pk]))

    def approve_view(self, request, pk: int):
        refund = self._refund(request, pk, self.has_decide_permission(request))
        if request.method == "POST":
            self._approve(request, [refund])
        return self._back(refund)

    def issue_view(self, request, pk: int):
        refund = self._refund(request, pk, self.has_issue_permission(request))
        if request.method == "POST":
            self._issue(request, [refund])
        return self._back(refund)

    def refuse_view(self, request, pk: int):
        refund = self._refund(request, pk, self.has_decide_permission(request))
        form = RefundRefuseForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                refund_request_refuse(officer=request.user, refund=refund, **form.cleaned_data)
            except FinancialError as error:
                form.add_service_error(error)
            else:
                self.message_user(
                    request,
                    _("Refund request %(reference)s is refused; the importer is told why.")
                    % {"reference": refund.reference},
                )
                return self._back(refund)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Refuse refund request %(reference)s") % {"reference": refund.reference},
            "opts": self.model._meta,
            "form": form,
            "refund": refund,
        }
        return TemplateResponse(request, "financial/admin/refund_refuse.html", context)
