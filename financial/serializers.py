from decimal import Decimal

from rest_framework import serializers

from carm.api import DateField, ExactDecimalField
from financial.calculation import GST_RATE, MAX_AMOUNT, MAX_LINES, ZERO
from financial.models import (
    Declaration,
    DeclarationLine,
    DeclarationVersion,
    Invoice,
    Payment,
    Posting,
    RefundRequest,
    Statement,
)

# The most declarations one payment may name to pay first.
MAX_CHOSEN = 100
RATE = {"max_digits": 6, "decimal_places": 5, "min_value": ZERO, "max_value": Decimal("1")}
# docs/rules.md §4: every stated amount has a maximum.
MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": ZERO, "max_value": MAX_AMOUNT}
# What the ledger may hold (a total, a balance): its columns are numeric(14, 2).
MONEY_OUT = {"max_digits": 14, "decimal_places": 2, "read_only": True}


class PostingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Posting
        fields = [
            "id",
            "posted_at",
            "kind",
            "amount",
            "transaction_number",
            "description",
            "duty",
            "excise_duty",
            "excise_tax",
            "sima",
            "surtax",
            "gst",
        ]
        read_only_fields = fields


class LineInSerializer(serializers.Serializer):
    hs_code = serializers.RegexField(r"^[0-9]{4}\.?[0-9]{2}\.?[0-9]{4}$")
    description = serializers.CharField(max_length=200)
    tariff_description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    quantity = ExactDecimalField(max_digits=14, decimal_places=3, min_value=Decimal("0.001"))
    value_for_duty = ExactDecimalField(**MONEY)
    duty_rate = ExactDecimalField(**RATE)
    gst_rate = ExactDecimalField(**RATE, default=GST_RATE)
    excise_duty = ExactDecimalField(**MONEY, default=ZERO)
    excise_tax = ExactDecimalField(**MONEY, default=ZERO)
    sima = ExactDecimalField(**MONEY, default=ZERO)
    surtax = ExactDecimalField(**MONEY, default=ZERO)


class DeclarationInSerializer(serializers.Serializer):
    release_date = DateField()
    port_of_entry = serializers.RegexField(r"^[0-9]{4}$")
    vendor = serializers.CharField(max_length=200)
    lines = LineInSerializer(many=True, allow_empty=False, max_length=MAX_LINES)


class CorrectionInSerializer(serializers.Serializer):
    reason_code = serializers.ChoiceField(choices=DeclarationVersion.Reason.choices)
    comment = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    lines = LineInSerializer(many=True, allow_empty=False, max_length=MAX_LINES)


class LineSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeclarationLine
        fields = [
            "position",
            "hs_code",
            "description",
            "tariff_description",
            "quantity",
            "value_for_duty",
            "duty_rate",
            "gst_rate",
            "excise_duty",
            "excise_tax",
            "sima",
            "surtax",
            "duty",
            "gst",
            "total",
        ]
        read_only_fields = fields


class VersionSerializer(serializers.ModelSerializer):
    lines = LineSerializer(many=True, read_only=True)
    # An original has no reason: "" is one of its values (the schema's BlankEnum).
    reason_code = serializers.ChoiceField(
        choices=DeclarationVersion.Reason.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = DeclarationVersion
        fields = [
            "number",
            "kind",
            "status",
            "reason_code",
            "comment",
            "total",
            "created_at",
            "lines",
        ]
        read_only_fields = fields


class DeclarationSerializer(serializers.ModelSerializer):
    bn15 = serializers.CharField(source="program_account.bn15", read_only=True)
    filed_by = serializers.CharField(source="filed_by.bn9", read_only=True)
    lines = serializers.SerializerMethodField()

    class Meta:
        model = Declaration
        fields = [
            "transaction_number",
            "bn15",
            "status",
            "total",
            "release_date",
            "port_of_entry",
            "vendor",
            "filed_by",
            "filed_at",
            "late",
            "lines",
        ]
        read_only_fields = fields

    def get_lines(self, declaration: Declaration) -> list[dict]:
        """The current version's lines; the declarations come through
        financial.selectors.with_lines, which reads them for a whole page at once."""
        current = declaration.approved_versions[:1]
        return LineSerializer(current[0].lines.all(), many=True).data if current else []


class DeclarationDetailSerializer(DeclarationSerializer):
    versions = VersionSerializer(many=True, read_only=True)

    class Meta(DeclarationSerializer.Meta):
        fields = [*DeclarationSerializer.Meta.fields, "versions"]
        read_only_fields = fields


class PaymentInSerializer(serializers.Serializer):
    amount = ExactDecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0.01"), max_value=MAX_AMOUNT
    )
    method = serializers.ChoiceField(choices=Payment.Method.choices)
    declarations = serializers.ListField(
        child=serializers.RegexField(r"^[0-9]{14}$", max_length=14),
        required=False,
        max_length=MAX_CHOSEN,
        help_text="Transaction numbers of the account's declarations to pay first, in this "
        "order, where the account applies payments to chosen declarations.",
    )

    def validate(self, data: dict) -> dict:
        chosen = data.pop("declarations", [])
        return {**data, "chosen": chosen}


class AllocationSerializer(serializers.Serializer):
    """What a payment paid of one debt, net of what was taken back."""

    posted_at = serializers.DateTimeField(source="posting.posted_at")
    kind = serializers.ChoiceField(source="posting.kind", choices=Posting.Kind.choices)
    transaction_number = serializers.CharField(source="posting.transaction_number")
    invoice = serializers.CharField(
        source="invoice.reference", allow_null=True, help_text="The invoice's reference, if any."
    )
    statement_period_end = serializers.DateField(
        source="statement_end",
        allow_null=True,
        help_text="The Statement of Account that shows the debt, once issued.",
    )
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class PaymentSerializer(serializers.ModelSerializer):
    """A payment with its status, what it paid (`allocations`, net of released rows) and
    what of it is still `unapplied`; the payments come through
    financial.selectors.with_applications, a page at once."""

    bn15 = serializers.CharField(source="program_account.bn15", read_only=True)
    declarations = serializers.SerializerMethodField(
        help_text="The declarations the payer chose to pay first."
    )
    allocations = AllocationSerializer(source="applications", many=True, read_only=True)
    unapplied = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, allow_null=True
    )
    receipt_number = serializers.SerializerMethodField()
    return_reason = serializers.ChoiceField(
        choices=Payment.ReturnReason.choices,
        allow_blank=True,
        read_only=True,
        help_text="Why the bank returned it (Payments Canada Rule H1 codes); blank unless "
        "returned.",
    )

    class Meta:
        model = Payment
        fields = [
            "id",
            "bn15",
            "amount",
            "method",
            "status",
            "created_at",
            "settled_at",
            "returned_at",
            "return_reason",
            "declarations",
            "allocations",
            "unapplied",
            "receipt_number",
        ]
        read_only_fields = fields

    def get_declarations(self, payment: Payment) -> list[str]:
        return sorted(declaration.transaction_number for declaration in payment.chosen.all())

    def get_receipt_number(self, payment: Payment) -> str | None:
        return payment.receipt_number if payment.has_receipt else None


class StatementSerializer(serializers.ModelSerializer):
    """One Statement of Account: lines A–H, the revenue split and the invoices' group
    (issued: part of F; cancelled: part of G), money as strings."""

    class Meta:
        model = Statement
        fields = [
            "period_start",
            "period_end",
            "statement_date",
            "due_date",
            *(name for _letter, name in Statement.LINES),
            *Statement.REVENUE,
            *(name for name, _line in Statement.INVOICES),
            "issued_at",
        ]
        read_only_fields = fields


class InvoiceSerializer(serializers.ModelSerializer):
    """An invoice CBSA issued on the account. `status` (outstanding, overdue, paid,
    cancelled) and `unpaid` are read from the ledger, oldest debt first: the invoices come
    through financial.selectors.with_invoice_status, a page at once."""

    bn15 = serializers.CharField(source="program_account.bn15", read_only=True)
    status = serializers.ChoiceField(choices=Invoice.Status.choices, read_only=True)
    unpaid = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "bn15",
            "reference",
            "kind",
            "description",
            "amount",
            "due_date",
            "issued_at",
            "status",
            "unpaid",
            "cancelled_at",
            "cancellation_reason",
        ]
        read_only_fields = fields


class RefundRequestInSerializer(serializers.Serializer):
    amount = ExactDecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0.01"), max_value=MAX_AMOUNT
    )


class RefundRequestSerializer(serializers.ModelSerializer):
    """A refund request and its progress (docs/rules.md §14): `status` one of
    `requested`, `approved`, `issued`, `refused`; each step's moment, null until taken."""

    bn15 = serializers.CharField(source="program_account.bn15", read_only=True)
    reference = serializers.CharField(read_only=True)

    class Meta:
        model = RefundRequest
        fields = [
            "id",
            "reference",
            "bn15",
            "amount",
            "status",
            "requested_at",
            "approved_at",
            "issued_at",
            "refused_at",
            "refusal_reason",
        ]
        read_only_fields = fields
