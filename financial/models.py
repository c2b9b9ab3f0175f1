"""The ledger: append-only postings and the balance kept beside them. docs/rules.md §4.

A posting's amount is signed from the importer's side: positive is owed to CBSA (charges,
interest, penalties, refunds paid out), negative is credit (payments, offsets, downward
corrections). An account's balance is the sum of its postings, always; it is kept in
AccountBalance in the same transaction as each posting, so reading it never sums history.
"""

from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Business, ProgramAccount
from carm.formats import day, money
from carm.models import MONEY

# The levies a filer states on a declaration line, beside the duty and GST computed from it.
STATED_LEVIES = ("excise_duty", "excise_tax", "sima", "surtax")
# The revenue split of a declaration's charge, kept on its lines, its postings and the
# statement's revenue columns (docs/rules.md §6).
REVENUE_SPLIT = ("duty", *STATED_LEVIES, "gst")


def sum_of(fields) -> models.Expression:
    """F(a) + F(b) + …, for a constraint that columns add up."""
    expression = models.F(fields[0])
    for name in fields[1:]:
        expression += models.F(name)
    return expression


class PostingKind(models.TextChoices):
    CHARGE = "charge", _("Charge")
    CORRECTION = "correction", _("Correction")
    ADJUSTMENT = "adjustment", _("Adjustment")
    PAYMENT = "payment", _("Payment")
    INTEREST = "interest", _("Interest")
    PENALTY = "penalty", _("Penalty")
    REFUND = "refund", _("Refund")
    OFFSET = "offset", _("Offset")
    INVOICE = "invoice", _("Invoice")
    INVOICE_CANCELLATION = "invoice_cancellation", _("Invoice cancellation")
    PAYMENT_RETURN = "payment_return", _("Returned payment")


# The kinds grouped once: the ledger's constraints, the statements, the annual review and
# the history all read them from here.
K = PostingKind
# Money in: always negative. An invoice's cancellation reverses its charge.
CREDIT_KINDS = (K.PAYMENT.value, K.OFFSET.value, K.INVOICE_CANCELLATION.value)
# Money owed: always positive.
DEBIT_KINDS = (
    K.CHARGE.value,
    K.INTEREST.value,
    K.PENALTY.value,
    K.REFUND.value,
    K.INVOICE.value,
    K.PAYMENT_RETURN.value,
)
REVISION_KINDS = (K.CORRECTION.value, K.ADJUSTMENT.value)  # a declaration's signed difference
DECLARATION_KINDS = (K.CHARGE.value, *REVISION_KINDS)  # carry the revenue split
# CBSA's invoices (an AMP, a service fee) and their cancellations (docs/rules.md §10).
INVOICE_KINDS = (K.INVOICE.value, K.INVOICE_CANCELLATION.value)
# Accounts receivable, with the revisions that raise them (the annual review's months).
# Invoices are not among them: RPP security secures the duties and taxes of goods released
# before payment, and an invoice is not (docs/rules.md §7 and §10).
RECEIVABLE_KINDS = (K.CHARGE.value, K.PENALTY.value)
# The statement's line C: payments received, less those the bank returned (docs/rules.md §12).
PAYMENT_KINDS = (K.PAYMENT.value, K.PAYMENT_RETURN.value)
# The statement's line F (current-period charges) and line G (credits other than payments).
STATEMENT_CHARGE_KINDS = (K.CHARGE.value, K.INVOICE.value)
STATEMENT_CREDIT_KINDS = (K.OFFSET.value, K.INVOICE_CANCELLATION.value)


def posting_reference(field: str) -> pgtrigger.Trigger:
    """The foreign key into postings, kept by the database as a trigger.

    Postings are partitioned by month (financial/partitions.py), and PostgreSQL keeps a
    foreign key only into a unique key that holds the partition's column, which a
    posting's id alone is not. Postings are never updated or deleted (posting_append_only),
    so a reference checked when it is written stays good; like Django's own foreign keys it
    is checked at commit.
    """
    column = f"{field}_id"
    return pgtrigger.Trigger(
        name=f"{field}_is_a_posting",
        when=pgtrigger.After,
        operation=pgtrigger.Insert | pgtrigger.UpdateOf(column),
        timing=pgtrigger.Deferred,
        # A column name of the portal's own, never input.
        func=f"""
            IF NEW.{column} IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM financial_posting WHERE id = NEW.{column}) THEN
              RAISE EXCEPTION '%.{column} = % is not a posting', TG_TABLE_NAME, NEW.{column}
                USING ERRCODE = 'foreign_key_violation';
            END IF;
            RETURN NULL;
        """,  # noqa: S608
    )


@pgtrigger.register(
    pgtrigger.Protect(name="posting_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
)
class Posting(models.Model):
    Kind = PostingKind
    CREDIT_KINDS = CREDIT_KINDS
    DEBIT_KINDS = DEBIT_KINDS
    REVISION_KINDS = REVISION_KINDS
    DECLARATION_KINDS = DECLARATION_KINDS
    INVOICE_KINDS = INVOICE_KINDS
    RECEIVABLE_KINDS = RECEIVABLE_KINDS
    STATEMENT_CHARGE_KINDS = STATEMENT_CHARGE_KINDS
    STATEMENT_CREDIT_KINDS = STATEMENT_CREDIT_KINDS
    PAYMENT_KINDS = PAYMENT_KINDS

    program_account = models.ForeignKey(
        ProgramAccount,
        on_delete=models.PROTECT,
        related_name="postings",
        # posting_history starts with this column and serves every lookup by account.
        db_index=False,
        verbose_name=_("program account"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    posted_at = models.DateTimeField(_("posted"), default=timezone.now)
    transaction_number = models.CharField(_("transaction number"), max_length=14, blank=True)
    # Who filed the transaction behind the posting: the importer, or a provider for it.
    filed_by = models.ForeignKey(
        Business, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    # The revenue split of charges and corrections (docs/rules.md §6).
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
                condition=~Q(kind__in=CREDIT_KINDS) | Q(amount__lt=0),
                name="posting_credit_kinds_negative",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=DEBIT_KINDS) | Q(amount__gt=0),
                name="posting_debit_kinds_positive",
            ),
            models.CheckConstraint(
                condition=Q(amount=sum_of(REVENUE_SPLIT)) | ~Q(kind__in=DECLARATION_KINDS),
                name="posting_split_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program_account.bn15} {self.get_kind_display()} {money(self.amount)}"

    @property
    def kind_label(self):
        """The kind's label, lazy: a bilingual document writes it in both languages."""
        return self.Kind(self.kind).label


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
        permissions = [("refund_credit", _("Can refund a credit balance"))]

    def __str__(self) -> str:
        return f"{self.program_account_id}: {money(self.balance)}"


class ArchivedPostings(models.Model):
    """What one month of an account's postings added up to when the month was detached
    from the ledger after the retention period (financial/partitions.py): an account's
    balance stays the sum of its postings, those kept and those archived."""

    program_account = models.ForeignKey(
        ProgramAccount,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # archived_postings_once starts with this column
        verbose_name=_("program account"),
    )
    month = models.DateField(_("month"))
    postings = models.PositiveIntegerField(_("postings"))
    amount = models.DecimalField(_("amount"), **MONEY)
    archived_at = models.DateTimeField(_("archived"), default=timezone.now)

    class Meta:
        verbose_name = _("archived postings")
        verbose_name_plural = _("archived postings")
        ordering = ["program_account", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["program_account", "month"], name="archived_postings_once"
            )
        ]
        triggers = [
            pgtrigger.Protect(
                name="archived_postings_kept", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self) -> str:
        return f"{self.program_account_id} {self.month:%Y-%m}: {money(self.amount)}"


class Declaration(models.Model):
    """A Commercial Accounting Declaration: one transaction number, one or more versions."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        PAYMENT_REQUIRED = "payment_required", _("Payment required before release")
        PAID = "paid", _("Paid")

    transaction_number = models.CharField(_("transaction number"), max_length=14, unique=True)
    program_account = models.ForeignKey(
        ProgramAccount,
        on_delete=models.PROTECT,
        related_name="declarations",
        verbose_name=_("program account"),
    )
    filed_by = models.ForeignKey(
        Business, on_delete=models.PROTECT, related_name="+", verbose_name=_("filed by")
    )
    filed_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    release_date = models.DateField(_("release date"))
    port_of_entry = models.CharField(_("port of entry"), max_length=4)
    vendor = models.CharField(_("vendor"), max_length=200)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    total = models.DecimalField(_("total duties and taxes"), **MONEY)
    filed_at = models.DateTimeField(_("filed"), default=timezone.now)
    late = models.BooleanField(_("filed late"), default=False)

    class Meta:
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        ordering = ["-filed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(transaction_number__regex=r"^[0-9]{14}$"),
                name="declaration_transaction_number_14_digits",
            ),
            models.CheckConstraint(
                condition=Q(port_of_entry__regex=r"^[0-9]{4}$"), name="declaration_port_4_digits"
            ),
            models.CheckConstraint(
                condition=Q(total__gte=0), name="declaration_total_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.transaction_number


class DeclarationVersion(models.Model):
    class Kind(models.TextChoices):
        ORIGINAL = "original", _("Original")
        CORRECTION = "correction", _("Correction")
        ADJUSTMENT = "adjustment", _("Adjustment")

    class Status(models.TextChoices):
        APPROVED = "approved", _("Approved")
        PENDING = "pending", _("Waiting for an officer")
        REJECTED = "rejected", _("Rejected")

    class Reason(models.TextChoices):
        CLASSIFICATION = "classification", _("Tariff classification")
        VALUATION = "valuation", _("Value for duty")
        ORIGIN = "origin", _("Origin or tariff treatment")
        QUANTITY = "quantity", _("Quantity")
        CLERICAL = "clerical", _("Clerical error")
        OTHER = "other", _("Other")

    declaration = models.ForeignKey(
        Declaration,
        on_delete=models.PROTECT,
        related_name="versions",
        verbose_name=_("declaration"),
    )
    number = models.PositiveSmallIntegerField(_("version"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    reason_code = models.CharField(_("reason"), max_length=20, choices=Reason.choices, blank=True)
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    total = models.DecimalField(_("total duties and taxes"), **MONEY)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("filed"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("officer's note"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("declaration version")
        verbose_name_plural = _("declaration versions")
        ordering = ["declaration", "number"]
        permissions = [("decide_adjustment", _("Can approve or reject an adjustment"))]
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "number"], name="declaration_version_once"
            ),
            models.UniqueConstraint(
                fields=["declaration"],
                condition=Q(status="pending"),
                name="declaration_one_pending_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.declaration.transaction_number} v{self.number}"


class DeclarationLine(models.Model):
    version = models.ForeignKey(DeclarationVersion, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField()
    hs_code = models.CharField(_("HS classification"), max_length=10)
    description = models.CharField(_("description"), max_length=200)
    tariff_description = models.CharField(_("tariff description"), max_length=200, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    value_for_duty = models.DecimalField(_("value for duty"), **MONEY)
    duty_rate = models.DecimalField(_("duty rate"), max_digits=6, decimal_places=5)
    gst_rate = models.DecimalField(_("GST rate"), max_digits=6, decimal_places=5)
    excise_duty = models.DecimalField(_("excise duty"), default=0, **MONEY)
    excise_tax = models.DecimalField(_("excise tax"), default=0, **MONEY)
    sima = models.DecimalField(_("SIMA"), default=0, **MONEY)
    surtax = models.DecimalField(_("surtax"), default=0, **MONEY)
    duty = models.DecimalField(_("duty"), **MONEY)
    gst = models.DecimalField(_("GST"), **MONEY)
    total = models.DecimalField(_("total"), **MONEY)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hs_code__regex=r"^[0-9]{10}$"), name="line_hs_10_digits"
            ),
            models.CheckConstraint(
                condition=Q(duty_rate__gte=0, duty_rate__lte=1, gst_rate__gte=0, gst_rate__lte=1),
                name="line_rates_are_fractions",
            ),
            models.CheckConstraint(
                condition=Q(
                    value_for_duty__gte=0,
                    excise_duty__gte=0,
                    excise_tax__gte=0,
                    sima__gte=0,
                    surtax__gte=0,
                    quantity__gt=0,
                ),
                name="line_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} #{self.position}"


class Payment(models.Model):
    """Money an importer sends toward a program account (docs/rules.md §12).

    A payment is pending until the money arrives, settled once it has (its credit posted
    and applied to debts), or returned by the bank with a reason (nothing posted if it was
    still pending; a reversal posted if it had settled). Cards settle at once.
    """

    class Method(models.TextChoices):
        ONLINE_BANKING = "online_banking", _("Online banking")
        DEBIT_CARD = "debit_card", _("Debit card")
        CREDIT_CARD = "credit_card", _("Credit card")
        PAD = "pad", _("Pre-authorized debit")
        WIRE = "wire", _("Wire transfer")
        EDI = "edi", _("EDI")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SETTLED = "settled", _("Settled")
        RETURNED = "returned", _("Returned")

    Applied = ProgramAccount.PaymentsApplied

    class ReturnReason(models.TextChoices):
        """Why a payment came back: the banks' reasons for return (Payments Canada Rule H1;
        financial.cpa005.RETURN_REASONS), or an officer's finding that it never arrived."""

        EDIT_REJECT = "900", _("Refused by the bank: the debit's details are invalid")
        NSF = "901", _("Not enough money in the account (NSF)")
        ACCOUNT_NOT_FOUND = "902", _("Bank account not found")
        STOPPED = "903", _("Payment stopped or recalled")
        STALE_DATED = "904", _("Post-dated or stale-dated")
        ACCOUNT_CLOSED = "905", _("Bank account closed")
        NO_DEBIT_ALLOWED = "907", _("The bank account does not allow debits")
        FUNDS_NOT_CLEARED = "908", _("Funds not cleared")
        CURRENCY_MISMATCH = "909", _("The currency does not match the bank account")
        DECEASED = "910", _("Account holder deceased")
        ACCOUNT_FROZEN = "911", _("Bank account frozen")
        INVALID_ACCOUNT = "912", _("Invalid or incorrect bank account number")
        INCORRECT_NAME = "914", _("Incorrect account holder name")
        NO_AGREEMENT = "915", _("No agreement existed: refused by the account holder")
        NOT_AS_AGREED_PERSONAL = "916", _("Not in accordance with the agreement (personal)")
        REVOKED_PERSONAL = "917", _("Agreement revoked (personal)")
        NO_NOTICE_PERSONAL = "918", _("No confirmation or pre-notification (personal)")
        NOT_AS_AGREED_BUSINESS = "919", _("Not in accordance with the agreement (business)")
        REVOKED_BUSINESS = "920", _("Agreement revoked (business)")
        NO_NOTICE_BUSINESS = "921", _("No confirmation or pre-notification (business)")
        CUSTOMER_INITIATED = "922", _("Returned at the customer's request")
        INSTITUTION_IN_DEFAULT = "990", _("Financial institution in default")
        NOT_RECEIVED = "not_received", _("The money did not arrive")

    # A card is charged while the payer waits: the money is CBSA's at once. Online banking,
    # wire, EDI and a one-off debit arrive days later (CARM Client Portal, "Make a payment").
    SETTLE_AT_ONCE = (Method.DEBIT_CARD.value, Method.CREDIT_CARD.value)
    # CBSA takes at most this much by credit card per billing period and program account
    # (CARM Client Portal; CSCB bulletin 5408).
    CREDIT_CARD_LIMIT = Decimal("4999.99")
    program_account = models.ForeignKey(
        ProgramAccount,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("program account"),
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    applied = models.CharField(
        _("applied"), max_length=12, choices=Applied.choices, default=Applied.OLDEST_FIRST
    )
    # The declarations the payer chose to pay first (Applied.CHOSEN).
    chosen = models.ManyToManyField(
        "Declaration", blank=True, related_name="+", verbose_name=_("declarations chosen")
    )
    idempotency_key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    paid_by = models.ForeignKey(
        Business, on_delete=models.PROTECT, related_name="+", verbose_name=_("paid by")
    )
    paid_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("paid by (user)"),
    )
    created_at = models.DateTimeField(_("paid"), default=timezone.now)
    # Settled: the money arrived and its credit posted.
    posting = models.OneToOneField(
        Posting,
        on_delete=models.PROTECT,
        db_constraint=False,  # kept by posting_reference (below)
        null=True,
        blank=True,
        related_name="payment",
        verbose_name=_("credit"),
    )
    settled_at = models.DateTimeField(_("received"), null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marked received by"),
    )
    # Returned: why, when, and the reversal when the credit had posted.
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    return_reason = models.CharField(
        _("reason for return"), max_length=20, choices=ReturnReason.choices, blank=True
    )
    return_posting = models.OneToOneField(
        Posting,
        on_delete=models.PROTECT,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="returned_payment",
        verbose_name=_("reversal"),
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("settle_payment", _("Can mark a payment received")),
            ("return_payment", _("Can record a payment returned by the bank")),
        ]
        indexes = [
            models.Index(
                fields=["status", "created_at"],
                condition=Q(status="pending"),
                name="payment_pending",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["program_account", "idempotency_key"], name="payment_idempotency_key_once"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            # Each status carries what it says and nothing else.
            models.CheckConstraint(
                condition=(
                    Q(status="pending", posting__isnull=True, settled_at__isnull=True)
                    | Q(status="settled", posting__isnull=False, settled_at__isnull=False)
                    | Q(status="returned", returned_at__isnull=False)
                )
                & (Q(status="returned") | Q(returned_at__isnull=True, return_reason=""))
                & (Q(return_posting__isnull=True) | Q(posting__isnull=False)),
                name="payment_status_whole",
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(return_reason=""),
                name="payment_returned_with_reason",
            ),
            # A payment that had posted is reversed when returned; one that had not posts
            # nothing.
            models.CheckConstraint(
                condition=~Q(status="returned")
                | Q(posting__isnull=True, return_posting__isnull=True)
                | Q(posting__isnull=False, return_posting__isnull=False),
                name="payment_return_reverses_its_credit",
            ),
        ]
        triggers = [
            posting_reference("posting"),
            posting_reference("return_posting"),
            pgtrigger.Protect(name="payment_not_deleted", operation=pgtrigger.Delete),
            pgtrigger.Protect(
                name="payment_made_as_is",
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange(
                    "program_account",
                    "amount",
                    "method",
                    "idempotency_key",
                    "request_fingerprint",
                    "paid_by",
                    "paid_by_user",
                    "created_at",
                ),
            ),
            # Pending → settled → returned, or pending → returned; never back.
            pgtrigger.Protect(
                name="payment_returned_is_final",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__status="returned"),
            ),
            pgtrigger.Protect(
                name="payment_settled_stays_posted",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__status="settled", new__status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program_account.bn15} {money(self.amount)} ({self.get_method_display()})"

    @property
    def receipt_number(self) -> str:
        """The receipt's number: the payment's, fixed once it is made."""
        return f"P{self.pk:010d}"

    @property
    def has_receipt(self) -> bool:
        return self.status == self.Status.SETTLED


class Allocation(models.Model):
    """What one credit paid of one debit (docs/rules.md §12). Append-only: a credit taken
    back from a debit (a returned payment, a cancelled invoice) is a row of the negative
    amount, so each pair's allocation is the sum of its rows and the history stays."""

    program_account = models.ForeignKey(
        ProgramAccount,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # allocation_account starts with this column
    )
    credit = models.ForeignKey(
        Posting,
        on_delete=models.PROTECT,
        db_constraint=False,  # kept by posting_reference
        related_name="allocations_out",
        verbose_name=_("credit"),
    )
    debit = models.ForeignKey(
        Posting,
        on_delete=models.PROTECT,
        db_constraint=False,
        related_name="allocations_in",
        verbose_name=_("debt"),
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    created_at = models.DateTimeField(_("applied"), default=timezone.now)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["program_account", "id"], name="allocation_account")]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="allocation_not_zero")]
        triggers = [
            posting_reference("credit"),
            posting_reference("debit"),
            pgtrigger.Protect(
                name="allocation_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"{self.credit_id} → {self.debit_id}: {money(self.amount)}"


class RefundRequest(models.Model):
    """A Business Account Manager asks CBSA to pay out what the account is owed (its
    credit balance); an officer approves or refuses it, then issues the approved refund,
    which posts the refund to the ledger (docs/rules.md §14).

    Requested → approved → issued, or refused with a reason (from requested or approved).
    Each step keeps who took it and when, so the request's progress is its history; the
    request itself is never edited otherwise, nor deleted.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", pgettext_lazy("refund status", "Requested")
        APPROVED = "approved", pgettext_lazy("refund status", "Approved")
        ISSUED = "issued", pgettext_lazy("refund status", "Issued")
        REFUSED = "refused", pgettext_lazy("refund status", "Refused")

    OPEN = (Status.REQUESTED.value, Status.APPROVED.value)

    program_account = models.ForeignKey(
        ProgramAccount,
        on_delete=models.PROTECT,
        related_name="refund_requests",
        db_index=False,  # refund_account starts with this column
        verbose_name=_("program account"),
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    # A request sent again with the same key is the first one (the API's Idempotency-Key,
    # the form's hidden key).
    idempotency_key = models.CharField(max_length=255)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    refused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("refused by"),
    )
    refused_at = models.DateTimeField(_("refused"), null=True, blank=True)
    refusal_reason = models.TextField(_("reason for the refusal"), max_length=1000, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    posting = models.OneToOneField(
        Posting,
        on_delete=models.PROTECT,
        db_constraint=False,  # kept by posting_reference
        null=True,
        blank=True,
        related_name="refund_request",
        verbose_name=_("refund posted"),
    )

    class Meta:
        verbose_name = _("refund request")
        verbose_name_plural = _("refund requests")
        ordering = ["-requested_at", "-id"]
        permissions = [
            ("decide_refund", _("Can approve or refuse a refund request")),
            ("issue_refund", _("Can issue an approved refund")),
        ]
        indexes = [
            models.Index(fields=["program_account", "-requested_at", "-id"], name="refund_account"),
            models.Index(
                fields=["status", "requested_at"],
                condition=Q(status__in=["requested", "approved"]),
                name="refund_open",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["program_account", "idempotency_key"], name="refund_idempotency_key_once"
            ),
            # One request at a time waits for an officer on an account.
            models.UniqueConstraint(
                fields=["program_account"],
                condition=Q(status__in=["requested", "approved"]),
                name="refund_one_open_per_account",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            # Each status carries its steps and nothing else: approved (then perhaps
            # issued with its posting), or refused with a reason.
            models.CheckConstraint(
                condition=Q(
                    status="requested",
                    approved_at__isnull=True,
                    refused_at__isnull=True,
                    issued_at__isnull=True,
                )
                | Q(
                    status="approved",
                    approved_at__isnull=False,
                    refused_at__isnull=True,
                    issued_at__isnull=True,
                )
                | Q(
                    status="issued",
                    approved_at__isnull=False,
                    refused_at__isnull=True,
                    issued_at__isnull=False,
                    posting__isnull=False,
                )
                | (
                    Q(status="refused", refused_at__isnull=False, issued_at__isnull=True)
                    & ~Q(refusal_reason="")
                ),
                name="refund_status_whole",
            ),
            # Each step names who took it and when, or neither; the posting is the issue's.
            models.CheckConstraint(
                condition=(
                    Q(approved_at__isnull=True, approved_by__isnull=True)
                    | Q(approved_at__isnull=False, approved_by__isnull=False)
                )
                & (
                    Q(refused_at__isnull=True, refused_by__isnull=True)
                    | Q(refused_at__isnull=False, refused_by__isnull=False)
                )
                & (
                    Q(issued_at__isnull=True, issued_by__isnull=True, posting__isnull=True)
                    | Q(issued_at__isnull=False, issued_by__isnull=False, posting__isnull=False)
                )
                & (Q(status="refused") | Q(refusal_reason="")),
                name="refund_steps_whole",
            ),
        ]
        triggers = [
            posting_reference("posting"),
            pgtrigger.Protect(name="refund_not_deleted", operation=pgtrigger.Delete),
            pgtrigger.Protect(
                name="refund_requested_as_is",
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange(
                    "program_account",
                    "amount",
                    "idempotency_key",
                    "requested_by",
                    "requested_at",
                ),
            ),
            # An approval, once given, stays as it was given.
            pgtrigger.Protect(
                name="refund_approval_kept",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(
                    old__approved_at__isnull=False,
                    old__approved_at__df=pgtrigger.F("new__approved_at"),
                )
                | pgtrigger.Q(
                    old__approved_by__isnull=False,
                    old__approved_by__df=pgtrigger.F("new__approved_by"),
                ),
            ),
            # Issued and refused are final.
            pgtrigger.Protect(
                name="refund_final",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__status__in=["issued", "refused"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.program_account.bn15} {money(self.amount)}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def reference(self) -> str:
        """The request's number, as the importer and officers quote it."""
        return f"RF{self.pk:08d}"


# CBSA's own reference of an invoice, as printed on it: capital letters, digits, hyphens.
INVOICE_REFERENCE = r"^[A-Z0-9][A-Z0-9-]{0,29}$"


class Invoice(models.Model):
    """An invoice CBSA issues on a program account (docs/rules.md §10): an administrative
    monetary penalty, a service fee. It posts a charge when issued; it is never edited, and
    an officer may cancel it once, which posts the charge's reversal. Whether it is paid is
    read from the ledger (oldest debt first), never stored."""

    class Kind(models.TextChoices):
        AMP = "amp", _("Administrative monetary penalty (AMP)")
        SERVICE_FEE = "service_fee", _("Service fee")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        """Read, not stored (financial.selectors.with_invoice_status)."""

        OUTSTANDING = "outstanding", _("Outstanding")
        OVERDUE = "overdue", _("Overdue")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")

    REFERENCE = INVOICE_REFERENCE

    program_account = models.ForeignKey(
        ProgramAccount,
        on_delete=models.PROTECT,
        related_name="invoices",
        db_index=False,  # invoice_account starts with this column
        verbose_name=_("program account"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    reference = models.CharField(
        _("reference"),
        max_length=30,
        unique=True,
        help_text=_("CBSA's reference, for example AMP-2026-000123."),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY)
    due_date = models.DateField(_("due date"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issued by"),
    )
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    posting = models.OneToOneField(
        Posting,
        on_delete=models.PROTECT,
        db_constraint=False,  # kept by posting_reference
        related_name="invoice",
        verbose_name=_("charge"),
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    cancellation_posting = models.OneToOneField(
        Posting,
        on_delete=models.PROTECT,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="cancelled_invoice",
        verbose_name=_("reversal"),
    )
    cancellation_reason = models.TextField(
        _("reason for the cancellation"), max_length=1000, blank=True
    )

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issued_at", "-id"]
        permissions = [("cancel_invoice", _("Can cancel an invoice"))]
        indexes = [
            models.Index(fields=["program_account", "-issued_at", "-id"], name="invoice_account")
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_amount_positive"),
            models.CheckConstraint(
                condition=Q(reference__regex=INVOICE_REFERENCE),
                name="invoice_reference_format",
            ),
            # Cancelled entirely (when, by whom, the reversal, why) or not at all.
            models.CheckConstraint(
                condition=Q(
                    cancelled_at__isnull=True,
                    cancelled_by__isnull=True,
                    cancellation_posting__isnull=True,
                    cancellation_reason="",
                )
                | (
                    Q(
                        cancelled_at__isnull=False,
                        cancelled_by__isnull=False,
                        cancellation_posting__isnull=False,
                    )
                    & ~Q(cancellation_reason="")
                ),
                name="invoice_cancelled_whole",
            ),
        ]
        triggers = [
            posting_reference("posting"),
            posting_reference("cancellation_posting"),
            # Never edited and never deleted: the only change is the one cancellation.
            pgtrigger.Protect(name="invoice_not_deleted", operation=pgtrigger.Delete),
            pgtrigger.Protect(
                name="invoice_issued_as_is",
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange(
                    "program_account",
                    "kind",
                    "reference",
                    "description",
                    "amount",
                    "due_date",
                    "issued_by",
                    "issued_at",
                    "posting",
                ),
            ),
            pgtrigger.Protect(
                name="invoice_cancelled_once",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__cancelled_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def kind_label(self):
        """The kind's label, lazy: a bilingual document writes it in both languages."""
        return self.Kind(self.kind).label


class Statement(models.Model):
    """A Statement of Account for one billing period (docs/rules.md §6), issued once.

    Lines A–H are kept as issued; H = A + B - C + D + E + F - G, and H equals the sum of
    every posting up to the period's end. The revenue split breaks the period's charges,
    corrections, interest and penalties down by column. CBSA's invoices have their own
    group: those issued in the period (part of line F) and those cancelled in it (part of
    line G).
    """

    program_account = models.ForeignKey(
        ProgramAccount, on_delete=models.PROTECT, related_name="statements"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    statement_date = models.DateField(_("statement date"))
    due_date = models.DateField(_("payment due"))
    previous_balance = models.DecimalField(_("Previous balance"), **MONEY)
    corrections = models.DecimalField(_("Corrections to the previous balance"), **MONEY)
    payments = models.DecimalField(_("Payments received"), **MONEY)
    disbursements = models.DecimalField(_("Disbursements"), **MONEY)
    interest_and_penalties = models.DecimalField(_("Interest and penalties"), **MONEY)
    charges = models.DecimalField(_("Current-period charges"), **MONEY)
    credits = models.DecimalField(_("Credits"), **MONEY)
    total_payable = models.DecimalField(_("Total payable"), **MONEY)
    duty = models.DecimalField(_("duties"), **MONEY)
    excise_duty = models.DecimalField(_("excise duty"), **MONEY)
    excise_tax = models.DecimalField(_("excise tax"), **MONEY)
    sima = models.DecimalField(_("SIMA"), **MONEY)
    surtax = models.DecimalField(_("surtax"), **MONEY)
    gst = models.DecimalField(_("GST"), **MONEY)
    interest = models.DecimalField(_("interest"), **MONEY)
    penalties = models.DecimalField(_("penalties"), **MONEY)
    invoices = models.DecimalField(_("Invoices issued"), default=0, **MONEY)
    cancelled_invoices = models.DecimalField(_("Invoices cancelled"), default=0, **MONEY)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)

    class Meta:
        verbose_name = _("statement of account")
        verbose_name_plural = _("statements of account")
        ordering = ["program_account", "-period_end"]
        constraints = [
            models.UniqueConstraint(
                fields=["program_account", "period_end"], name="statement_once_per_period"
            ),
            models.CheckConstraint(
                condition=Q(
                    total_payable=models.F("previous_balance")
                    + models.F("corrections")
                    - models.F("payments")
                    + models.F("disbursements")
                    + models.F("interest_and_penalties")
                    + models.F("charges")
                    - models.F("credits")
                ),
                name="statement_lines_add_up",
            ),
            # The invoices' group is a part of lines F and G, never more.
            models.CheckConstraint(
                condition=Q(
                    invoices__gte=0,
                    invoices__lte=models.F("charges"),
                    cancelled_invoices__gte=0,
                    cancelled_invoices__lte=models.F("credits"),
                ),
                name="statement_invoices_within_lines",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program_account_id} {day(self.statement_date)}"

    LINES = (
        ("A", "previous_balance"),
        ("B", "corrections"),
        ("C", "payments"),
        ("D", "disbursements"),
        ("E", "interest_and_penalties"),
        ("F", "charges"),
        ("G", "credits"),
        ("H", "total_payable"),
    )
    REVENUE = (*REVENUE_SPLIT, "interest", "penalties")
    # (field, the line it is part of)
    INVOICES = (("invoices", "F"), ("cancelled_invoices", "G"))

    def summary_lines(self) -> list[tuple[str, str, str, object]]:
        """(letter, field name, label, amount) for lines A–H."""
        return [
            (letter, name, self._meta.get_field(name).verbose_name, getattr(self, name))
            for letter, name in self.LINES
        ]

    def revenue_split(self) -> list[tuple[str, str, object]]:
        """(field name, label, amount) per revenue column."""
        return [
            (name, self._meta.get_field(name).verbose_name, getattr(self, name))
            for name in self.REVENUE
        ]

    def invoice_lines(self) -> list[tuple[str, str, str, object]]:
        """(field name, label, the line it is part of, amount) for the invoices' group."""
        return [
            (name, self._meta.get_field(name).verbose_name, line, getattr(self, name))
            for name, line in self.INVOICES
        ]


class PrescribedRate(models.Model):
    """The prescribed interest rate for one calendar quarter, set by an officer. Overdue
    amounts bear the specified rate: this rate plus 6 percentage points."""

    quarter_start = models.DateField(_("quarter starting"), unique=True)
    rate = models.DecimalField(
        _("prescribed rate (%)"),
        max_digits=5,
        decimal_places=2,
        help_text=_("Annual, in percent: 5.00 means 5 %."),
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("prescribed interest rate")
        verbose_name_plural = _("prescribed interest rates")
        ordering = ["-quarter_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quarter_start__day=1, quarter_start__month__in=[1, 4, 7, 10]),
                name="prescribed_rate_starts_a_quarter",
                violation_error_message=_(
                    "A quarter starts on January 1, April 1, July 1 or October 1."
                ),
            ),
            models.CheckConstraint(
                condition=Q(rate__gte=0, rate__lte=50),
                name="prescribed_rate_in_range",
                violation_error_message=_("The rate is a percentage between 0 and 50."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quarter_start:%Y-%m}: {self.rate} %"


class InterestAccrual(models.Model):
    """One day's interest on one account's overdue amount, kept to a hundredth of a cent
    until it posts, summed and rounded, on the next statement (line E)."""

    program_account = models.ForeignKey(
        ProgramAccount, on_delete=models.PROTECT, related_name="interest_accruals"
    )
    day = models.DateField(_("day"))
    overdue = models.DecimalField(_("overdue amount"), **MONEY)
    annual_rate = models.DecimalField(_("specified rate (%)"), max_digits=5, decimal_places=2)
    amount = models.DecimalField(_("interest"), max_digits=16, decimal_places=6)

    class Meta:
        verbose_name = _("interest accrual")
        verbose_name_plural = _("interest accruals")
        ordering = ["program_account", "-day"]
        constraints = [
            models.UniqueConstraint(
                fields=["program_account", "day"], name="interest_accrual_once_a_day"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="interest_accrual_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.program_account_id} {day(self.day)}: {money(self.amount)}"
