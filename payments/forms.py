from django import forms
from django.utils.translation import gettext_lazy as _

from carm.forms import ServiceErrorsMixin
from payments.errors import PadError


class PadAgreementForm(ServiceErrorsMixin, forms.Form):
    """The bank account a pre-authorized debit agreement takes payments from, as printed
    at the bottom of a cheque. The service checks every value (payments/services.py)."""

    error_fields = PadError.fields

    holder_name = forms.CharField(
        label=_("Name of the account holder"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    institution = forms.CharField(
        label=_("Financial institution number"),
        help_text=_("3 digits, for example 001."),
        max_length=3,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    transit = forms.CharField(
        label=_("Branch transit number"),
        help_text=_("5 digits, for example 12345."),
        max_length=5,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    account_number = forms.CharField(
        label=_("Account number"),
        help_text=_("5 to 12 digits. It is stored encrypted and shown by its last 4 digits."),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    accept_terms = forms.BooleanField(
        label=_("I have read the terms above and authorize CBSA to debit this bank account."),
        required=False,
    )

    def agreement(self) -> dict:
        """What the signing service takes."""
        return {
            name: self.cleaned_data[name]
            for name in ("holder_name", "institution", "transit", "account_number", "accept_terms")
        }
