from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from carm.admin import PortalFormatsInline, ReadOnlyAdmin
from carm.formats import money
from payments.models import PadAgreement, PadDebit, PadReturnFile, PadRun


@admin.register(PadAgreement)
class PadAgreementAdmin(ReadOnlyAdmin):
    """Officers see an agreement's bank and branch, never its account number."""

    list_display = (
        "program_account",
        "holder_name",
        "institution",
        "transit",
        "masked_account",
        "signed_at",
        "cancelled_at",
    )
    list_filter = (("cancelled_at", admin.EmptyFieldListFilter),)
    search_fields = ("program_account__bn15", "holder_name")
    list_select_related = ("program_account",)
    fields = (
        "program_account",
        "holder_name",
        "institution",
        "transit",
        "masked_account",
        "terms_version",
        "signed_by",
        "signed_at",
        "cancelled_by",
        "cancelled_at",
    )
    readonly_fields = fields

    @admin.display(description=_("account number"))
    def masked_account(self, agreement: PadAgreement) -> str:
        return agreement.masked_account


class PadDebitInline(PortalFormatsInline, admin.TabularInline):
    model = PadDebit
    extra = 0
    fields = ("cross_reference", "statement", "payment", "status", "amount")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("statement__program_account", "payment__program_account")
        )

    @admin.display(description=_("status"))
    def status(self, debit: PadDebit) -> str:
        payment = debit.payment
        if payment.return_reason:
            return f"{payment.get_status_display()}: {payment.get_return_reason_display()}"
        return payment.get_status_display()

    @admin.display(description=_("amount"))
    def amount(self, debit: PadDebit) -> str:
        return money(debit.payment.amount)


@admin.register(PadRun)
class PadRunAdmin(ReadOnlyAdmin):
    list_display = ("day", "debit_count", "total", "file_creation_number", "download")
    date_hierarchy = "day"
    fields = ("day", "file_creation_number", "created_at", "debit_count", "total", "download")
    readonly_fields = fields
    inlines = [PadDebitInline]

    def has_download_permission(self, request) -> bool:
        return request.user.has_perm("payments.download_pad_file")

    def get_urls(self):
        download = path(
            "<int:pk>/file/",
            self.admin_site.admin_view(self.download_view),
            name="payments_padrun_file",
        )
        return [download, *super().get_urls()]

    @admin.display(description=_("CPA Standard 005 file"))
    def download(self, run: PadRun) -> str:
        if not run.content:
            return "—"
        url = reverse("admin:payments_padrun_file", args=[run.pk])
        return format_html('<a href="{}" download>{}</a>', url, run.file_name)

    def download_view(self, request, pk: int) -> HttpResponse:
        """The file as it goes to CBSA's bank: bank account numbers in clear, so only
        officers allowed to send it may take it."""
        if not self.has_download_permission(request):
            raise PermissionDenied
        run = get_object_or_404(PadRun, pk=pk)
        if not run.content:
            raise PermissionDenied
        response = HttpResponse(run.content, content_type="text/plain; charset=us-ascii")
        response["Content-Disposition"] = f'attachment; filename="{run.file_name}"'
        response["Cache-Control"] = "no-store"
        return response


@admin.register(PadReturnFile)
class PadReturnFileAdmin(ReadOnlyAdmin):
    list_display = ("imported_at", "name", "returned_count", "sha256")
    date_hierarchy = "imported_at"
