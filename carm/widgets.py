"""Form widgets every app shares."""

from django import forms


class DatePicker(forms.DateInput):
    """The browser's date picker. Its value is always ISO (YYYY-MM-DD) whatever the page's
    language: a French-formatted date would be dropped by the browser, and lost."""

    input_type = "date"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")
