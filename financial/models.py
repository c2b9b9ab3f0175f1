"""The ledger: append-only postings and the balance kept beside them. domain.md §4.

A posting's amount is signed from the importer's side: positive is owed to CBSA (charges,
interest, penalties, refunds paid out), negative is credit (payments, offsets, downward
corrections). An account's balance is the sum of its postings, always; it is kept in
AccountBalance in the same transaction as each posting, so reading it never sums history.
"""

import pgtrigger
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Business, ProgramAccount

MONEY = {"max_digits": 14, "decimal_places": 2}


@pgtrigger.register(
    pgtrigger.Protect(name="posting_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
)
class Posting(models.Model):
    class Kind(models.TextChoices):
        CHARGE = "charge", _("Charge")
        CORRECTION = "correction", _("Correction")
        ADJUSTMENT = "adjustment", _("Adjustment")
        PAYMENT = "payment", _("Payment")
        INTEREST = "interest", _("Interest")
        PENALTY = "penalty", _("Penalty")
        REFUND = "refund", _("Refund")
        OFFSET = "offset", _("Offset")

    program_account = models.ForeignKey(
        ProgramAccount,
        on_delete=models.PROTECT,
        related_name="postings",
        verbose_name=_("program account"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    posted_at = models.DateTimeField(_("posted"), default=timezone.now)
    transaction_number = models.CharField(_("transaction number"), max_length=14, blank=True)
    # Who filed the transaction behind the posting: the importer, or a provider for it.
    filed_by = models.ForeignKey(
        Business, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    # The revenue split of charges and corrections (domain.md §6).
    duty = models.DecimalField(_("duties"), default=0, **MONEY)
    excise_duty = models.DecimalField(_("excise duty"), default=0, **MONEY)
    excise_tax = models.DecimalField(_("excise tax"), default=0, **MONEY)
    sima = models.DecimalField(_("SIMA"), default=0, **MONEY)
    surtax = models.DecimalField(_("surtax"), default=0, **MONEY)
    gst = models.DecimalField(_("GST"), default=0, **MONEY)

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        ordering = ["-posted_at", "-id"]
        indexes = [
            models.Index(fields=["program_account", "-posted_at", "-id"], name="posting_history"),
            models.Index(fields=["transaction_number"], name="posting_transaction"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="posting_not_zero"),
            # Money comes in as credit and goes out as debit, whatever the caller does.
            models.CheckConstraint(
                condition=~Q(kind__in=["payment", "offset"]) | Q(amount__lt=0),
                name="posting_credit_kinds_negative",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["charge", "interest", "penalty", "refund"])
                | Q(amount__gt=0),
                name="posting_debit_kinds_positive",
            ),
            models.CheckConstraint(
                condition=Q(
                    amount=models.F("duty")
                    + models.F("excise_duty")
                    + models.F("excise_tax")
                    + models.F("sima")
                    + models.F("surtax")
                    + models.F("gst")
                )
                | ~Q(kind__in=["charge", "correction", "adjustment"]),
                name="posting_split_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program_account.bn15} {self.get_kind_display()} {self.amount}"


class AccountBalance(models.Model):
    """What the importer owes on one program account (negative: a credit)."""

    program_account = models.OneToOneField(
        ProgramAccount, on_delete=models.PROTECT, primary_key=True, related_name="balance_row"
    )
    balance = models.DecimalField(_("balance"), default=0, **MONEY)
    postings = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("account balance")
        verbose_name_plural = _("account balances")

    def __str__(self) -> str:
        return f"{self.program_account_id}: {self.balance}"
