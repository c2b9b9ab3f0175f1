"""Form plumbing every app shares: amounts as people type them, and a service's refusal
put on the field it concerns."""

import re

from django import forms

from carm.errors import CodedError


class ServiceErrorsMixin:
    """Put a service's refusal on the field it concerns, in the user's language."""

    error_fields: dict[str, str] = {}

    def add_service_error(self, error: CodedError) -> None:
        self.add_error(self.error_fields.get(error.code), error.message)


NOT_IN_AMOUNTS = re.compile(r"[\s$]")  # spaces (no-break ones too) and dollar signs
THOUSANDS_COMMAS = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d*)?")
DECIMAL_COMMA = re.compile(r"-?\d+,\d{1,2}")
PLAIN_AMOUNT = re.compile(r"-?(\d+(\.\d*)?|\.\d+)")


class MoneyField(forms.DecimalField):
    """Dollars and cents as people type them: "1,234.50", "1234.5", "$ 1 234,50".

    A comma followed by exactly three digits groups thousands; followed by one or two
    digits it is a decimal comma, as French writes amounts. Cents stay exact (Decimal).
    """

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def __init__(self, **kwargs) -> None:
        super().__init__(max_digits=14, decimal_places=2, **kwargs)

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
