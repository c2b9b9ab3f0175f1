from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from accounts.errors import AccountsError
from accounts.models import ProgramAccount, User

phone_validator = RegexValidator(
    r"^\+?[0-9 ().-]{7,20}( ?(ext\.?|x|poste) ?[0-9]{1,6})?$",
    _("Enter a telephone number such as 613-555-0199, with an optional extension."),
)


class ProfileForm(forms.ModelForm):
    phone = forms.CharField(
        label=_("Telephone"), required=False, max_length=32, validators=[phone_validator]
    )

    class Meta:
        model = User
        fields = ["first_name", "last_name", "phone", "preferred_language", "email_notifications"]
        widgets = {"preferred_language": forms.RadioSelect}


class ServiceErrorsMixin:
    """Put a service's refusal on the field it concerns, in the user's language."""

    error_fields: dict[str, str] = {}

    def add_service_error(self, error: AccountsError) -> None:
        self.add_error(self.error_fields.get(error.code), error.message)


class RegisterBusinessForm(ServiceErrorsMixin, forms.Form):
    bn9 = forms.CharField(
        label=_("Business number (BN9)"),
        max_length=20,
        help_text=_("The 9 digits the Canada Revenue Agency gave your business."),
    )
    program_account = forms.CharField(
        label=_("One of its import/export program accounts"),
        max_length=30,
        help_text=_("For example 123456782RM0001. Spaces are fine."),
    )
    legal_name = forms.CharField(
        label=_("Legal name"),
        max_length=200,
        help_text=_("Exactly as CBSA has it, punctuation included."),
    )
    error_fields = {
        "bn9_format": "bn9",
        "bn9_check_digit": "bn9",
        "unknown_business": "bn9",
        "already_managed": "bn9",
        "already_member": "bn9",
        "bn15_format": "program_account",
        "bn15_check_digit": "program_account",
        "account_mismatch": "program_account",
        "name_mismatch": "legal_name",
    }


class AccessRequestForm(ServiceErrorsMixin, forms.Form):
    bn9 = forms.CharField(
        label=_("Your employer's business number (BN9)"),
        max_length=20,
        help_text=_("Ask your employer if you do not know it."),
    )
    comment = forms.CharField(
        label=_("Comment for the Business Account Manager"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Say who you are and what you need to do, for example: accounts payable, RM0001."
        ),
    )
    error_fields = {
        "bn9_format": "bn9",
        "bn9_check_digit": "bn9",
        "unknown_business": "bn9",
        "already_member": "bn9",
        "request_pending": "bn9",
    }


class GrantForm(ServiceErrorsMixin, forms.Form):
    """A role and the program accounts it covers, limited to what the manager holds."""

    role = forms.ChoiceField(label=_("Role"), widget=forms.RadioSelect)
    program_accounts = forms.ModelMultipleChoiceField(
        label=_("Program accounts"),
        queryset=ProgramAccount.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A Business Account Manager covers every program account."),
    )
    error_fields = {
        "role_not_grantable": "role",
        "scope_not_grantable": "program_accounts",
        "scope_required": "program_accounts",
        "last_bam": "role",
    }

    def __init__(self, *args, roles, accounts, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(role.value, role.label) for role in roles]
        self.fields["program_accounts"].queryset = accounts
        self.fields["program_accounts"].label_from_instance = lambda account: account.display_number


class ApiKeyForm(forms.Form):
    EXPIRY_CHOICES = [
        ("30", _("30 days")),
        ("90", _("90 days")),
        ("365", _("1 year")),
        ("", _("Never (revoke it yourself)")),
    ]
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What it is for, e.g. “accounting system”.")
    )
    expires_in = forms.ChoiceField(
        label=_("Expires after"), choices=EXPIRY_CHOICES, required=False, initial="90"
    )
