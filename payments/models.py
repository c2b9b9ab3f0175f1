"""Pre-authorized debits (docs/rules.md §13): the agreements importers sign, the daily
runs that debit each statement on its due date through a CPA Standard 005 file, and the
banks' returns files.

A PAD debit is a payment (financial.Payment, method "pad") settled on the due date; a
return from the bank reverses it like any returned payment.
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ProgramAccount
from carm.formats import day
from financial.models import MONEY, Payment, Statement

# Canadian bank numbers as a cheque prints them (Payments Canada, Standard 005).
INSTITUTION = r"^[0-9]{3}$"
TRANSIT = r"^[0-9]{5}$"
ACCOUNT_NUMBER = r"^[0-9]{5,12}$"


class PadAgreement(models.Model):
    """A business's authorization for CBSA to debit one bank account for a program
    account's statements (Payments Canada Rule H1, business PAD). The account number is
    stored encrypted (carm/crypto.py) and shown by its last digits only. Cancelling takes
    effect for the next debit; a new agreement replaces the one in force."""

    # The terms the signer accepted, by version: a change of wording is a new version.
    TERMS_VERSION = "2026-1"

    program_account = models.ForeignKey(
        ProgramAccount,
        on_delete=models.PROTECT,
        related_name="pad_agreements",
        verbose_name=_("program account"),
    )
    institution = models.CharField(_("financial institution number"), max_length=3)
    transit = models.CharField(_("branch transit number"), max_length=5)
    account_encrypted = models.TextField(_("account number (encrypted)"))
    last_digits = models.CharField(_("account number ending"), max_length=4)
    holder_name = models.CharField(_("account holder"), max_length=100)
    terms_version = models.CharField(_("terms accepted"), max_length=10)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signed by"),
    )
    signed_at = models.DateTimeField(_("signed"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )

    class Meta:
        verbose_name = _("pre-authorized debit agreement")
        verbose_name_plural = _("pre-authorized debit agreements")
        ordering = ["-signed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program_account"],
                condition=Q(cancelled_at__isnull=True),
                name="pad_agreement_one_in_force",
            ),
            models.CheckConstraint(
                condition=Q(institution__regex=INSTITUTION)
                & Q(transit__regex=TRANSIT)
                & Q(last_digits__regex=r"^[0-9]{1,4}$"),
                name="pad_agreement_bank_numbers",
            ),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True, cancelled_by__isnull=True)
                | Q(cancelled_at__isnull=False, cancelled_by__isnull=False),
                name="pad_agreement_cancelled_whole",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="pad_agreement_not_deleted", operation=pgtrigger.Delete),
            # Signed as it is; only its cancellation is written later, once.
            pgtrigger.Protect(
                name="pad_agreement_signed_as_is",
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange(
                    "program_account",
                    "institution",
                    "transit",
                    "account_encrypted",
                    "last_digits",
                    "holder_name",
                    "terms_version",
                    "signed_by",
                    "signed_at",
                ),
            ),
            pgtrigger.Protect(
                name="pad_agreement_cancelled_once",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__cancelled_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program_account.bn15} {self.institution}-{self.transit} …{self.last_digits}"

    @property
    def in_force(self) -> bool:
        return self.cancelled_at is None

    @property
    def masked_account(self) -> str:
        return f"•••• {self.last_digits}"


class PadRun(models.Model):
    """One day's debits: the CPA Standard 005 file sent to CBSA's bank. One per day, so a
    run repeated for the same day debits nothing twice."""

    day = models.DateField(_("due date"), unique=True)
    file_creation_number = models.PositiveSmallIntegerField(_("file creation number"))
    created_at = models.DateTimeField(_("built"), default=timezone.now)
    debit_count = models.PositiveIntegerField(_("debits"))
    total = models.DecimalField(_("total"), **MONEY)
    # The file itself; empty when no statement was due that day.
    content = models.TextField(_("CPA Standard 005 file"), blank=True)

    class Meta:
        verbose_name = _("pre-authorized debit run")
        verbose_name_plural = _("pre-authorized debit runs")
        ordering = ["-day"]
        permissions = [("download_pad_file", _("Can download a pre-authorized debit file"))]
        triggers = [
            pgtrigger.Protect(
                name="pad_run_as_built", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self) -> str:
        return f"{day(self.day)} ({self.debit_count})"

    @property
    def file_name(self) -> str:
        return f"cbsa-pad-{self.day:%Y%m%d}-{self.file_creation_number:04d}.txt"


class PadDebit(models.Model):
    """A statement debited under an agreement: the payment it made and the cross
    reference the bank's returns file names it by."""

    run = models.ForeignKey(
        PadRun, on_delete=models.PROTECT, related_name="debits", verbose_name=_("run")
    )
    agreement = models.ForeignKey(
        PadAgreement, on_delete=models.PROTECT, related_name="debits", verbose_name=_("agreement")
    )
    statement = models.OneToOneField(
        Statement, on_delete=models.PROTECT, related_name="pad_debit", verbose_name=_("statement")
    )
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, related_name="pad_debit", verbose_name=_("payment")
    )
    cross_reference = models.CharField(_("cross reference"), max_length=19, unique=True)

    class Meta:
        verbose_name = _("pre-authorized debit")
        verbose_name_plural = _("pre-authorized debits")
        ordering = ["run", "id"]
        triggers = [
            pgtrigger.Protect(
                name="pad_debit_as_sent", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self) -> str:
        return self.cross_reference


class PadReturnFile(models.Model):
    """A bank's returns file, once imported: the same file imported again is recognized
    by its digest and changes nothing."""

    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    name = models.CharField(_("file name"), max_length=255)
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)
    returned_count = models.PositiveIntegerField(_("debits returned"))

    class Meta:
        verbose_name = _("pre-authorized debit returns file")
        verbose_name_plural = _("pre-authorized debit returns files")
        ordering = ["-imported_at"]
        triggers = [
            pgtrigger.Protect(
                name="pad_return_file_as_imported", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.returned_count})"
