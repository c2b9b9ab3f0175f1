from django import forms
from django.utils.translation import gettext_lazy as _

from carm.forms import MoneyField, ServiceErrorsMixin
from carm.widgets import DatePicker
from enrolment.models import BusinessNumberApplication, ProgramAccountApplication

PROVINCES = [
    ("", _("Choose…")),
    ("AB", _("Alberta")),
    ("BC", _("British Columbia")),
    ("MB", _("Manitoba")),
    ("NB", _("New Brunswick")),
    ("NL", _("Newfoundland and Labrador")),
    ("NS", _("Nova Scotia")),
    ("NT", _("Northwest Territories")),
    ("NU", _("Nunavut")),
    ("ON", _("Ontario")),
    ("PE", _("Prince Edward Island")),
    ("QC", _("Quebec")),
    ("SK", _("Saskatchewan")),
    ("YT", _("Yukon")),
]


class BusinessNumberApplicationForm(forms.ModelForm):
    province = forms.ChoiceField(label=_("Province or territory"), choices=PROVINCES)
    postal_code = forms.RegexField(
        label=_("Postal code"),
        regex=r"^[A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d$",
        error_messages={"invalid": _("A postal code is written like K1A 0B1.")},
    )

    class Meta:
        model = BusinessNumberApplication
        fields = [
            "legal_name",
            "operating_name",
            "organization_type",
            "street",
            "city",
            "province",
            "postal_code",
            "applicant_role",
        ]
        help_texts = {
            "legal_name": _("As in the business's registration, for example its articles."),
            "operating_name": _("The name the business trades under, if it is another."),
        }

    def clean_postal_code(self) -> str:
        code = self.cleaned_data["postal_code"].upper().replace(" ", "")
        return f"{code[:3]} {code[3:]}"


class ProgramAccountApplicationForm(ServiceErrorsMixin, forms.ModelForm):
    error_fields = {"start_date": "start_date"}

    class Meta:
        model = ProgramAccountApplication
        fields = ["operating_name", "start_date", "activity", "description"]
        widgets = {
            "start_date": DatePicker(),
            "activity": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "operating_name": _("The name of the division this account is for, if any."),
            "description": _("What the business imports or exports, for example apparel."),
        }


class RppEnrolForm(ServiceErrorsMixin, forms.Form):
    expected_monthly_ar = MoneyField(
        label=_("Expected monthly accounts receivable (CAD)"),
        help_text=_(
            "The duties and taxes you expect to owe in your busiest month. The annual "
            "review will set the security from what you actually owe."
        ),
    )
    error_fields = {"amount": "expected_monthly_ar"}
