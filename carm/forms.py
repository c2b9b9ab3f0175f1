"""Form plumbing every app shares: amounts as people type them, and a service's refusal
put on the field it concerns."""

import datetime
import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from carm.errors import CodedError
from carm.formats import day
from carm.models import MONEY


class ServiceErrorsMixin:
    """Put a service's refusal on the field it concerns, in the user's language."""

    error_fields: dict[str, str] = {}

    def add_service_error(self, error: CodedError) -> None:
        self.add_error(self.error_fields.get(error.code), error.message)


NOT_IN_AMOUNTS = re.compile(r"[\s$]")  # spaces (no-break ones too) and dollar signs
THOUSANDS_COMMAS = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d*)?")
DECIMAL_COMMA = re.compile(r"-?\d+,\d{1,2}")
PLAIN_AMOUNT = re.compile(r"-?([0-9]+(\.[0-9]*)?|\.[0-9]+)", re.ASCII)
# docs/rules.md §4: the most one stated amount may be; financial.calculation.MAX_AMOUNT,
# which this plumbing may not import (a test holds the two equal).
MAX_AMOUNT = Decimal("1000000000.00")


class PlainDecimalField(forms.DecimalField):
    """A number written with ASCII digits and at most one point: no exponent ("1e3"), no
    other script's digits ("１２"), which Python's Decimal would otherwise take."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()
            if value and not PLAIN_AMOUNT.fullmatch(value):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class MoneyField(forms.DecimalField):
    """Dollars and cents as people type them: "1,234.50", "1234.5", "$ 1 234,50".

    A comma followed by exactly three digits groups thousands; followed by one or two
    digits it is a decimal comma, as French writes amounts. Cents stay exact (Decimal).
    """

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_value", MAX_AMOUNT)
        super().__init__(**MONEY, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = NOT_IN_AMOUNTS.sub("", value)
            if THOUSANDS_COMMAS.fullmatch(value):
                value = value.replace(",", "")
            elif DECIMAL_COMMA.fullmatch(value):
                value = value.replace(",", ".")
            if value and not PLAIN_AMOUNT.fullmatch(value):  # no "1e3", "NaN" or "Infinity"
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


# docs/rules.md §4: the dates the portal takes, in every form and the API. Customs dates
# outside these are typing mistakes, and the last day Python has (9999-12-31) has no
# next day to compute.
FIRST_DATE = datetime.date(2000, 1, 1)
LAST_DATE = datetime.date(2099, 12, 31)


class DateField(forms.DateField):
    """A date from FIRST_DATE to LAST_DATE."""

    default_error_messages = {
        "out_of_range": _("Enter a date between %(first)s and %(last)s."),
    }

    def clean(self, value):
        date = super().clean(value)
        if date is not None and not FIRST_DATE <= date <= LAST_DATE:
            raise forms.ValidationError(
                self.error_messages["out_of_range"],
                code="out_of_range",
                params={"first": day(FIRST_DATE), "last": day(LAST_DATE)},
            )
        return date


def date_in_range(value: str) -> datetime.date | None:
    """An ISO date from a URL within FIRST_DATE to LAST_DATE, else None."""
    try:
        date = datetime.date.fromisoformat(value)
    except ValueError:
        return None
    return date if FIRST_DATE <= date <= LAST_DATE else None


class DecisionForm(ServiceErrorsMixin, forms.Form):
    """An officer's decision on the object's page: Approve or Reject (the button pressed)
    and a note the importer reads, which a rejection needs (the services say so)."""

    DECISIONS = ("approve", "reject")
    error_fields = {"decision_note_needed": "note"}

    note = forms.CharField(
        label=_("Note to the importer"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to reject: say why. Sent with the decision."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision = self.data.get("decision") if self.is_bound else None

    def clean(self):
        if self.decision not in self.DECISIONS:
            raise forms.ValidationError(_("Choose Approve or Reject."))
        return super().clean()

    @property
    def approve(self) -> bool:
        return self.decision == "approve"
