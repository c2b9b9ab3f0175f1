"""The officers' side of RPP financial security: record bonds and cash deposits, decide
reduction requests, follow and start the annual review."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import Business
from carm.admin import DecidedOnItsPage, PortalFormats, ReadOnlyAdmin
from security.errors import SecurityError
from security.forms import ReviewStartForm
from security.models import (
    BondRenewal,
    CashDeposit,
    ReductionRequest,
    ReviewRun,
    RppReview,
    SuretyBond,
)
from security.rules import review_year_due
from security.selectors import (
    Requirement,
    posted_totals,
    reduced_cash,
    requirement_in_force,
    shortfall,
)
from security.services import bond_record, cash_deposit_record, reduction_decide


class RecordOnlyAdmin(PortalFormats, admin.ModelAdmin):
    """Officers add records; once recorded, a record is only looked at."""

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SuretyBond)
class SuretyBondAdmin(RecordOnlyAdmin):
    """Sureties post bonds on the portal; an officer records one received otherwise."""

    list_display = (
        "bond_number",
        "program_account",
        "surety",
        "amount",
        "effective_date",
        "cancelled_from",
        "posted_by",
    )
    list_filter = (("surety", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("bond_number", "program_account__bn15", "surety__legal_name")
    list_select_related = ("program_account", "surety", "posted_by")
    date_hierarchy = "effective_date"
    autocomplete_fields = ("program_account",)
    fields = ("program_account", "surety", "bond_number", "amount", "effective_date")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "surety":
            kwargs["queryset"] = Business.objects.filter(is_surety=True).order_by("legal_name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        """Through the service, which reinstates a suspended account it covers."""
        bond = bond_record(
            surety=obj.surety,
            posted_by=request.user,
            program_account=obj.program_account,
            bond_number=obj.bond_number,
            amount=obj.amount,
            effective_date=obj.effective_date,
        )
        obj.pk, obj.posted_by, obj.created_at = bond.pk, bond.posted_by, bond.created_at


@admin.register(CashDeposit)
class CashDepositAdmin(RecordOnlyAdmin):
    list_display = ("received_on", "program_account", "amount", "reference", "recorded_by")
    search_fields = ("program_account__bn15", "reference")
    list_select_related = ("program_account", "recorded_by")
    date_hierarchy = "received_on"
    autocomplete_fields = ("program_account",)
    fields = ("program_account", "amount", "received_on", "reference")

    def save_model(self, request, obj, form, change) -> None:
        """Through the service, which reinstates a suspended account it covers."""
        deposit = cash_deposit_record(
            officer=request.user,
            program_account=obj.program_account,
            amount=obj.amount,
            received_on=obj.received_on,
            reference=obj.reference,
        )
        obj.pk, obj.recorded_by, obj.created_at = (
            deposit.pk,
            deposit.recorded_by,
            deposit.created_at,
        )


@admin.register(ReductionRequest)
class ReductionRequestAdmin(DecidedOnItsPage):
    """Officers approve or reject an importer's request to lower its requirement."""

    list_display = (
        "requested_at",
        "program_account",
        "amount",
        "status",
        "requested_by",
        "decided_by",
        "decided_at",
        "review",
    )
    list_filter = ("status",)
    search_fields = ("program_account__bn15", "program_account__business__legal_name")
    list_select_related = ("program_account", "requested_by", "decided_by")
    actions = ["approve_requests"]

    decide_template = "security/admin/reduction_decide.html"

    def decide_queryset(self):
        return ReductionRequest.objects.select_related(
            "program_account__business", "requested_by", "decided_by"
        )

    def decide(self, request, reduction: ReductionRequest, *, approve: bool, note: str) -> None:
        reduction_decide(officer=request.user, request=reduction, approve=approve, note=note)

    def decided_message(self, reduction: ReductionRequest, *, approve: bool) -> str:
        return _("The request of %(account)s is %(decision)s.") % {
            "account": reduction.program_account.bn15,
            "decision": _("approved") if approve else _("rejected"),
        }

    def decide_context(self, request, reduction: ReductionRequest) -> dict:
        account, today = reduction.program_account, timezone.localdate()
        required = requirement_in_force(account, today)
        bonds, cash = posted_totals(account, today)
        requested = Requirement(reduction.amount, reduced_cash(required, reduction.amount))
        return {
            "title": _("Request to lower the security of %(account)s") % {"account": account.bn15},
            "reduction": reduction,
            "account": account,
            "required": required,
            "requested": requested,
            "posted": bonds + cash,
            "shortfall_now": shortfall(required, bonds, cash),
            "shortfall_requested": shortfall(requested, bonds, cash),
            "consequence": _(
                "Approving makes the requested amount the account's requirement; a suspended "
                "account it covers gets RPP back at once. The importer is notified of the "
                "decision and the note."
            ),
        }

    def _decide(self, request, queryset, *, approve: bool) -> None:
        decided = 0
        for reduction in queryset.filter(status=ReductionRequest.Status.PENDING):
            try:
                reduction_decide(officer=request.user, request=reduction, approve=approve)
            except SecurityError as error:
                self.message_user(request, f"{reduction}: {error.message}", messages.ERROR)
            else:
                decided += 1
        self.message_user(
            request,
            ngettext("%(count)d request decided.", "%(count)d requests decided.", decided)
            % {"count": decided},
        )

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm("security.decide_reduction")

    @admin.action(description=_("Approve the selected requests"), permissions=["decide"])
    def approve_requests(self, request, queryset) -> None:
        self._decide(request, queryset, approve=True)


@admin.register(RppReview)
class RppReviewAdmin(ReadOnlyAdmin):
    list_display = (
        "program_account",
        "year",
        "highest_month",
        "highest_amount",
        "required_bond",
        "previous_bond",
        "increased",
        "effective_date",
    )
    list_filter = ("year", "increased")
    search_fields = ("program_account__bn15",)
    list_select_related = ("program_account",)


@admin.register(BondRenewal)
class BondRenewalAdmin(ReadOnlyAdmin):
    list_display = ("renewed_on", "bond")
    search_fields = ("bond__bond_number", "bond__program_account__bn15")
    list_select_related = ("bond",)
    date_hierarchy = "renewed_on"


@admin.register(ReviewRun)
class ReviewRunAdmin(ReadOnlyAdmin):
    """Each run of the annual review and how far its chunks got; officers start one here."""

    list_display = (
        "year",
        "started_at",
        "progress",
        "accounts",
        "increased",
        "took",
        "started_by",
    )
    list_select_related = ("started_by",)
    change_list_template = "security/admin/reviewrun_change_list.html"

    @admin.display(description=_("chunks done"))
    def progress(self, run: ReviewRun) -> str:
        return f"{run.chunks_done} / {run.chunks}"

    @admin.display(description=_("duration"))
    def took(self, run: ReviewRun) -> str:
        duration = run.duration
        if duration is None:
            return _("running")
        seconds = int(duration.total_seconds())
        return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "may_start": request.user.has_perm("security.add_reviewrun"),
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        start = path(
            "start/",
            self.admin_site.admin_view(self.start_view),
            name="security_reviewrun_start",
        )
        return [start, *super().get_urls()]

    def start_view(self, request):
        if not request.user.has_perm("security.add_reviewrun"):
            raise PermissionDenied
        form = ReviewStartForm(
            request.POST or None, initial={"year": review_year_due(timezone.localdate())}
        )
        if request.method == "POST" and form.is_valid():
            from security.tasks import rpp_annual_review

            year = form.cleaned_data["year"]
            rpp_annual_review.delay(year, request.user.pk)
            self.message_user(
                request,
                _("The %(year)s annual review has started: its run appears below.")
                % {"year": year},
            )
            return redirect(reverse("admin:security_reviewrun_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Start the annual review"),
            "opts": self.model._meta,
            "form": form,
        }
        return TemplateResponse(request, "security/admin/review_start.html", context)
