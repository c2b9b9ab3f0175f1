import uuid
from collections.abc import Sequence
from decimal import Decimal

from django import forms
from django.forms import BaseFormSet, formset_factory
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.errors import IDENTIFIER_MESSAGES
from accounts.identifiers import IdentifierError, normalize_program_account
from accounts.models import ProgramAccount
from carm.forms import DateField, MoneyField, PlainDecimalField, ServiceErrorsMixin
from carm.widgets import DatePicker
from financial.calculation import GST_RATE, MAX_LINES, ZERO
from financial.models import STATED_LEVIES, DeclarationVersion, Invoice, Payment, Posting

PERCENT = Decimal("100")


class DeclarationForm(forms.Form):
    release_date = DateField(label=_("Release date"), widget=DatePicker())
    port_of_entry = forms.RegexField(
        label=_("Port of entry"),
        regex=r"^[0-9]{4}$",
        error_messages={"invalid": _("The port of entry is a 4-digit code, for example 0497.")},
        help_text=_("4 digits, for example 0497 (Toronto Pearson)."),
    )
    vendor = forms.CharField(label=_("Vendor"), max_length=200)


class LineForm(forms.Form):
    """One invoice line; rates are typed in percent and handed on as fractions."""

    hs_code = forms.RegexField(
        label=_("HS classification"),
        regex=r"^[0-9]{4}\.?[0-9]{2}\.?[0-9]{4}$",
        error_messages={"invalid": _("10 digits, for example 8471.30.0000.")},
        help_text=_("The 10-digit classification number, with or without points: 8471.30.0000."),
    )
    description = forms.CharField(label=_("Description"), max_length=200)
    tariff_description = forms.CharField(
        label=_("Tariff description"), max_length=200, required=False
    )
    quantity = PlainDecimalField(
        label=_("Quantity"), min_value=Decimal("0.001"), max_digits=14, decimal_places=3
    )
    value_for_duty = MoneyField(label=_("Value for duty (CAD)"), min_value=0)
    duty_rate = PlainDecimalField(
        label=_("Duty rate (%)"), min_value=0, max_value=100, decimal_places=3
    )
    gst_rate = PlainDecimalField(
        label=_("GST rate (%)"),
        min_value=0,
        max_value=100,
        decimal_places=3,
        initial=GST_RATE * PERCENT,
    )
    excise_duty = MoneyField(label=_("Excise duty"), min_value=0, required=False)
    excise_tax = MoneyField(label=_("Excise tax"), min_value=0, required=False)
    sima = MoneyField(label=_("SIMA"), min_value=0, required=False)
    surtax = MoneyField(label=_("Surtax"), min_value=0, required=False)

    def as_line(self) -> dict:
        data = dict(self.cleaned_data)
        data["duty_rate"] = data["duty_rate"] / PERCENT
        data["gst_rate"] = data["gst_rate"] / PERCENT
        for name in STATED_LEVIES:
            data[name] = data.get(name) or ZERO
        return data


# At most MAX_LINES lines, and never more forms built than that whatever TOTAL_FORMS
# says (Django, "Limiting the maximum number of instantiated forms": absolute_max).
class BaseLineFormSet(BaseFormSet):
    """The lines' refusals in the declaration's words, not the formset's."""

    default_error_messages = {
        "too_few_forms": _("A declaration needs at least one line."),
        "too_many_forms": ngettext_lazy(
            "A declaration has at most %(num)d line.",
            "A declaration has at most %(num)d lines.",
            "num",
        ),
    }


LineFormSet = formset_factory(
    LineForm,
    formset=BaseLineFormSet,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=MAX_LINES,
    validate_max=True,
    absolute_max=MAX_LINES,
)


def line_initial(version: DeclarationVersion) -> list[dict]:
    """A version's lines as form data (rates back in percent)."""
    return [
        {
            "hs_code": line.hs_code,
            "description": line.description,
            "tariff_description": line.tariff_description,
            "quantity": line.quantity,
            "value_for_duty": line.value_for_duty,
            "duty_rate": (line.duty_rate * PERCENT).normalize(),
            "gst_rate": (line.gst_rate * PERCENT).normalize(),
            "excise_duty": line.excise_duty,
            "excise_tax": line.excise_tax,
            "sima": line.sima,
            "surtax": line.surtax,
        }
        for line in version.lines.all()
    ]


class CorrectionForm(forms.Form):
    reason_code = forms.ChoiceField(label=_("Reason"), choices=DeclarationVersion.Reason.choices)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PaymentForm(forms.Form):
    amount = MoneyField(label=_("Amount (CAD)"), min_value=Decimal("0.01"))
    method = forms.ChoiceField(
        label=_("Payment method"), choices=Payment.Method.choices, widget=forms.RadioSelect
    )
    # One key per payment form shown: a double submit or a reload pays once.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=255)
    not_a_duplicate = forms.BooleanField(
        label=_("I checked that this payment is not for transactions my service provider paid."),
        required=False,
    )

    declarations = forms.MultipleChoiceField(
        label=_("Declarations to pay first"),
        help_text=_("What is left after them goes to the oldest amount owed."),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args,
        provider_paid: bool = False,
        payable: Sequence[tuple[str, str]] = (),
        **kwargs,
    ) -> None:
        """`provider_paid`: a service provider paid on the account this billing period, so
        the payer confirms it is not paying the same transactions twice. `payable`: the
        declarations (transaction number, what is owed) the payer may choose to pay first,
        where the account applies payments that way."""
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        if not provider_paid:
            del self.fields["not_a_duplicate"]
        if payable:
            self.fields["declarations"].choices = [
                (number, _("%(number)s: %(owed)s owed") % {"number": number, "owed": owed})
                for number, owed in payable
            ]
        else:
            del self.fields["declarations"]

    def clean_not_a_duplicate(self) -> bool:
        if not self.cleaned_data["not_a_duplicate"]:
            raise forms.ValidationError(
                _("Confirm that this payment is not for transactions your provider paid.")
            )
        return True

    def payment(self) -> dict:
        """What the payment service takes."""
        chosen = self.cleaned_data.get("declarations") or []
        return {
            **{k: self.cleaned_data[k] for k in ("amount", "method", "idempotency_key")},
            "chosen": chosen,
        }


class PaymentsAppliedForm(forms.Form):
    applied = forms.ChoiceField(
        label=_("Apply the account's payments"),
        choices=ProgramAccount.PaymentsApplied.choices,
        widget=forms.RadioSelect,
    )


class HistoryFilterForm(forms.Form):
    posted_after = DateField(label=_("From"), required=False, widget=DatePicker())
    posted_before = DateField(label=_("To"), required=False, widget=DatePicker())
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All")), *Posting.Kind.choices]
    )
    transaction_number = forms.RegexField(
        label=_("Transaction number"),
        regex=r"^[0-9]{14}$",
        required=False,
        error_messages={"invalid": _("A transaction number has 14 digits.")},
    )


class InvoiceIssueForm(ServiceErrorsMixin, forms.Form):
    """An officer issues an invoice on a program account (the admin)."""

    program_account = forms.CharField(
        label=_("Program account (BN15)"),
        max_length=30,
        help_text=_("For example 123456782RM0001."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Invoice.Kind.choices)
    reference = forms.CharField(
        label=_("Reference"),
        max_length=30,
        help_text=_("CBSA's reference, for example AMP-2026-000123."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        required=False,
        help_text=_("What the invoice is for, as the importer will read it."),
    )
    amount = MoneyField(label=_("Amount (CAD)"), min_value=Decimal("0.01"))
    due_date = DateField(label=_("Due date"), widget=DatePicker())

    error_fields = {
        "invoice_kind": "kind",
        "amount": "amount",
        "invoice_reference": "reference",
        "invoice_reference_taken": "reference",
        "invoice_due_date": "due_date",
    }

    def clean_program_account(self) -> ProgramAccount:
        try:
            bn15 = normalize_program_account(self.cleaned_data["program_account"])
        except IdentifierError as error:
            raise forms.ValidationError(IDENTIFIER_MESSAGES[error.code], code=error.code) from None
        account = ProgramAccount.objects.select_related("business").filter(bn15=bn15).first()
        if account is None:
            raise forms.ValidationError(
                _("CBSA has no program account %(bn15)s.") % {"bn15": bn15}, code="unknown"
            )
        return account


class InvoiceCancelForm(ServiceErrorsMixin, forms.Form):
    """An officer cancels an invoice, saying why (the admin)."""

    reason = forms.CharField(
        label=_("Reason for the cancellation"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The importer reads it on the invoice's page."),
    )

    error_fields = {"invoice_cancellation_reason": "reason"}


class RefundRefuseForm(ServiceErrorsMixin, forms.Form):
    """An officer refuses a refund request, saying why (the admin)."""

    reason = forms.CharField(
        label=_("Reason for the refusal"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The importer's Business Account Managers read it."),
    )

    error_fields = {"refund_refusal_reason": "reason"}


class RefundRequestForm(ServiceErrorsMixin, forms.Form):
    """A Business Account Manager asks for a refund of the account's credit."""

    amount = MoneyField(label=_("Amount to refund (CAD)"), min_value=Decimal("0.01"))
    # One key per form shown: a double submit or a reload asks once.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=255)

    error_fields = {
        "amount": "amount",
        "amount_too_large": "amount",
        "refund_over_credit": "amount",
        "refund_with_debt": "amount",
    }

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
