from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.errors import IDENTIFIER_MESSAGES
from accounts.identifiers import IdentifierError, normalize_program_account
from carm.forms import DateField, MoneyField, ServiceErrorsMixin
from carm.widgets import DatePicker


class ReductionForm(ServiceErrorsMixin, forms.Form):
    """Update Requirement: the bond amount the importer asks for, and why."""

    amount = MoneyField(
        label=_("Requested bond amount (CAD)"),
        help_text=_("Lower than the bond required above."),
    )
    justification = forms.CharField(
        label=_("Justification"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Why your highest monthly accounts receivable will be lower, for example a "
            "smaller volume of imports. At least 20 characters."
        ),
    )

    error_fields = {
        "amount": "amount",
        "not_a_reduction": "amount",
        "justification": "justification",
    }


class BondForm(ServiceErrorsMixin, forms.Form):
    """A surety posts a bond for an importer's program account."""

    program_account = forms.CharField(
        label=_("Importer's program account number (BN15)"),
        max_length=30,
        help_text=_("For example 123456782RM0001."),
    )
    bond_number = forms.CharField(label=_("Bond number"), max_length=40)
    amount = MoneyField(label=_("Bond amount (CAD)"))
    effective_date = DateField(
        label=_("Effective date"),
        # A date input takes ISO dates only, whatever the page's language.
        widget=DatePicker(),
        help_text=_("At most 31 days in the past. The bond renews every year on this date."),
    )

    error_fields = {
        "not_invited": "program_account",
        "bond_number": "bond_number",
        "bond_number_taken": "bond_number",
        "amount": "amount",
        "effective_date": "effective_date",
    }

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {}).setdefault("effective_date", timezone.localdate())
        super().__init__(*args, **kwargs)

    def clean_program_account(self) -> str:
        try:
            return normalize_program_account(self.cleaned_data["program_account"])
        except IdentifierError as error:
            raise forms.ValidationError(IDENTIFIER_MESSAGES[error.code], code=error.code) from None


class BondCancelForm(forms.Form):
    """The importer or the surety stops a bond from a day on."""

    cancelled_from = DateField(
        label=_("Cancel from"),
        widget=DatePicker(),
        initial=timezone.localdate,
    )


class ReviewStartForm(forms.Form):
    """An officer starts the annual review of a year."""

    year = forms.IntegerField(
        label=_("Review year"),
        min_value=2000,
        help_text=_(
            "The review looks at October 20 of the year before to October 19 of this year."
        ),
    )

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if year > timezone.localdate().year:
            raise forms.ValidationError(_("A review cannot look at a year still to come."))
        return year
