"""RPP financial security: bonds, cash deposits, the annual review and reduction requests.
docs/rules.md §7."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Business, ProgramAccount
from carm.formats import day, money
from carm.models import MONEY


class SuretyBond(models.Model):
    """A bond a surety posted for a program account. It renews every year on its
    anniversary until the importer or the surety cancels it from a date on."""

    program_account = models.ForeignKey(
        ProgramAccount, on_delete=models.PROTECT, related_name="bonds"
    )
    surety = models.ForeignKey(
        Business, on_delete=models.PROTECT, related_name="bonds_issued", verbose_name=_("surety")
    )
    bond_number = models.CharField(_("bond number"), max_length=40)
    amount = models.DecimalField(_("amount"), **MONEY)
    effective_date = models.DateField(_("effective date"))
    cancelled_from = models.DateField(_("cancelled from"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        Business, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("posted"), default=timezone.now)

    class Meta:
        verbose_name = _("surety bond")
        verbose_name_plural = _("surety bonds")
        ordering = ["program_account", "-effective_date"]
        constraints = [
            models.UniqueConstraint(fields=["surety", "bond_number"], name="bond_number_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bond_amount_positive"),
            models.CheckConstraint(
                condition=Q(cancelled_from__isnull=True)
                | Q(cancelled_from__gte=models.F("effective_date")),
                name="bond_cancelled_after_effective",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bond_number} ({self.program_account_id})"


class BondRenewal(models.Model):
    """The yearly automatic renewal of a bond, recorded once per anniversary."""

    bond = models.ForeignKey(SuretyBond, on_delete=models.PROTECT, related_name="renewals")
    renewed_on = models.DateField(_("renewed on"))

    class Meta:
        verbose_name = _("bond renewal")
        verbose_name_plural = _("bond renewals")
        constraints = [
            models.UniqueConstraint(fields=["bond", "renewed_on"], name="bond_renewal_once"),
        ]

    def __str__(self) -> str:
        return f"{self.bond} {day(self.renewed_on)}"


class CashDeposit(models.Model):
    """A cash security deposit, recorded by an officer."""

    program_account = models.ForeignKey(
        ProgramAccount, on_delete=models.PROTECT, related_name="cash_deposits"
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    received_on = models.DateField(_("received on"))
    reference = models.CharField(_("reference"), max_length=40, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("cash deposit")
        verbose_name_plural = _("cash deposits")
        ordering = ["program_account", "-received_on"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="cash_deposit_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.program_account_id} {money(self.amount)}"


class ReviewRun(models.Model):
    """One run of the annual review: officers start it and watch its chunks finish."""

    year = models.PositiveSmallIntegerField(_("review year"))
    chunks = models.PositiveIntegerField(_("chunks"), default=0)
    chunks_done = models.PositiveIntegerField(_("chunks done"), default=0)
    accounts = models.PositiveIntegerField(_("accounts reviewed"), null=True, blank=True)
    increased = models.PositiveIntegerField(_("requirements increased"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("annual review run")
        verbose_name_plural = _("annual review runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.year} ({self.chunks_done}/{self.chunks})"

    @property
    def duration(self):
        return self.finished_at - self.started_at if self.finished_at else None


class RppReview(models.Model):
    """The annual review of one RPP program account: one per account and year."""

    # No index of its own: rpp_review_once_a_year (program_account, year) serves it.
    program_account = models.ForeignKey(
        ProgramAccount, on_delete=models.PROTECT, related_name="rpp_reviews", db_index=False
    )
    year = models.PositiveSmallIntegerField(_("review year"))
    highest_month = models.DateField(_("highest month"), null=True, blank=True)
    highest_amount = models.DecimalField(_("highest monthly accounts receivable"), **MONEY)
    required_bond = models.DecimalField(_("required bond"), **MONEY)
    required_cash = models.DecimalField(_("required cash deposit"), **MONEY)
    previous_bond = models.DecimalField(_("previous required bond"), **MONEY)
    previous_cash = models.DecimalField(_("previous required cash deposit"), **MONEY)
    increased = models.BooleanField(_("increased"))
    effective_date = models.DateField(_("in force from"))
    run = models.ForeignKey(ReviewRun, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("reviewed"), default=timezone.now)

    class Meta:
        verbose_name = _("RPP annual review")
        verbose_name_plural = _("RPP annual reviews")
        ordering = ["program_account", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["program_account", "year"], name="rpp_review_once_a_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program_account_id} {self.year}"


class ReductionRequest(models.Model):
    """An importer's request to lower its required security ("Update Requirement"), which
    an officer approves or rejects."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an officer")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    program_account = models.ForeignKey(
        ProgramAccount,
        on_delete=models.PROTECT,
        related_name="reduction_requests",
        verbose_name=_("program account"),
    )
    amount = models.DecimalField(_("requested bond amount"), **MONEY)
    justification = models.TextField(_("justification"), max_length=2000)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("officer's note"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("reduction request")
        verbose_name_plural = _("reduction requests")
        ordering = ["-requested_at"]
        permissions = [("decide_reduction", _("Can approve or reject a reduction request"))]
        constraints = [
            models.UniqueConstraint(
                fields=["program_account"],
                condition=Q(status="pending"),
                name="reduction_one_pending",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="reduction_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.program_account_id} → {money(self.amount)}"
