from django import forms
from django.utils.translation import gettext_lazy as _

from carm.forms import ServiceErrorsMixin
from cases.models import Case

REASON_HELP = _(
    "Why the decision is wrong: the tariff classification, the origin, the value for duty "
    "or the adjustment you contest, and what it should be. At least 20 characters."
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class DocumentsField(forms.FileField):
    """Several files at once; their content and size are checked by the service."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class AppealForm(ServiceErrorsMixin, forms.Form):
    transaction_numbers = forms.MultipleChoiceField(
        label=_("Declarations appealed"), widget=forms.CheckboxSelectMultiple, choices=[]
    )
    reason = forms.CharField(
        label=_("Grounds"), widget=forms.Textarea(attrs={"rows": 6}), help_text=REASON_HELP
    )
    documents = DocumentsField(
        label=_("Supporting documents (PDF, PNG, JPEG, CSV or XLSX; 10 MB each)"),
        required=False,
    )
    draft = forms.BooleanField(label=_("Keep as a draft, do not send yet"), required=False)

    error_fields = {
        "no_declarations": "transaction_numbers",
        "unknown_declaration": "transaction_numbers",
        "already_appealed": "transaction_numbers",
        "past_appeal_window": "transaction_numbers",
        "within_appeal_window": "transaction_numbers",
        "past_extension_window": "transaction_numbers",
        "reason": "reason",
        "file_type": "documents",
        "file_size": "documents",
        "too_many_files": "documents",
    }

    def __init__(self, *args, appealable, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["transaction_numbers"].choices = [
            (row.declaration.transaction_number, row.declaration.transaction_number)
            for row in appealable
            if row.kind and not row.under_appeal
        ]


class RulingForm(ServiceErrorsMixin, forms.Form):
    ruling_type = forms.ChoiceField(
        label=_("Ruling asked for"), choices=Case.RulingType.choices, widget=forms.RadioSelect
    )
    goods_description = forms.CharField(
        label=_("The goods"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "What they are, what they are made of, what they are for. At least 20 characters."
        ),
    )
    proposed_classification = forms.CharField(
        label=_("Classification you propose (optional)"),
        required=False,
        max_length=13,
        help_text=_("10 digits, for example 6109.10.00.10."),
    )
    reason = forms.CharField(
        label=_("Your question"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What you want CBSA to rule on, and why. At least 20 characters."),
    )
    documents = DocumentsField(
        label=_("Supporting documents (PDF, PNG, JPEG, CSV or XLSX; 10 MB each)"),
        required=False,
    )
    draft = forms.BooleanField(label=_("Keep as a draft, do not send yet"), required=False)

    error_fields = {
        "ruling_type": "ruling_type",
        "goods": "goods_description",
        "classification": "proposed_classification",
        "reason": "reason",
        "file_type": "documents",
        "file_size": "documents",
        "too_many_files": "documents",
    }


class MessageForm(ServiceErrorsMixin, forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}))
    documents = DocumentsField(
        label=_("Attach documents (PDF, PNG, JPEG, CSV or XLSX; 10 MB each)"), required=False
    )

    error_fields = {
        "message": "body",
        "file_type": "documents",
        "file_size": "documents",
        "too_many_files": "documents",
    }


class CaseFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All")), *Case.Kind.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Case.Status.choices]
    )
