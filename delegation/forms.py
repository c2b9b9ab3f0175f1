from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import ProgramAccount
from carm.forms import DateField, ServiceErrorsMixin
from carm.widgets import DatePicker
from delegation.models import Relationship


class RelationshipRequestForm(ServiceErrorsMixin, forms.Form):
    importer_bn9 = forms.CharField(
        label=_("Importer's business number (BN9)"),
        max_length=20,
        help_text=_("Your client gives you this number."),
    )
    kind = forms.ChoiceField(
        label=_("Type of relationship"),
        choices=Relationship.Kind.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Business Management covers every program account of the importer, present and "
            "future; Program Management only the accounts the importer chooses."
        ),
    )
    comment = forms.CharField(
        label=_("Comment for the importer"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    error_fields = {
        "bn9_format": "importer_bn9",
        "bn9_check_digit": "importer_bn9",
        "unknown_importer": "importer_bn9",
        "relationship_open": "importer_bn9",
    }


class RelationshipTermsForm(ServiceErrorsMixin, forms.Form):
    """What the importer lets a provider see and do."""

    program_accounts = forms.ModelMultipleChoiceField(
        label=_("Program accounts covered"),
        queryset=ProgramAccount.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    level = forms.ChoiceField(
        label=_("Access level"),
        choices=Relationship.Level.choices,
        widget=forms.RadioSelect,
        help_text=_("An editor may file, correct and pay; a reader may only look."),
    )
    sees_others_transactions = forms.BooleanField(
        label=_("May see transactions filed by other parties (couriers, other brokers)"),
        required=False,
    )
    sees_statements = forms.BooleanField(
        label=_("May see statements, balance and payments"), required=False
    )
    sees_security = forms.BooleanField(label=_("May see financial security"), required=False)
    sees_cases = forms.BooleanField(
        label=_("May see cases: appeals and ruling requests"),
        required=False,
        help_text=_("At the editor level the provider may also file and follow them up."),
    )
    ends_on = DateField(
        label=_("Ends on (optional)"),
        required=False,
        widget=DatePicker(),
        help_text=_("After this date the relationship lapses on its own."),
    )
    error_fields = {
        "scope_required": "program_accounts",
        "scope_not_grantable": "program_accounts",
        "ends_in_past": "ends_on",
    }

    def __init__(self, *args, relationship: Relationship, accounts, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if relationship.kind == Relationship.Kind.BUSINESS_MANAGEMENT:
            del self.fields["program_accounts"]
        else:
            self.fields["program_accounts"].queryset = accounts
            self.fields["program_accounts"].label_from_instance = lambda a: a.display_number


class ClientGroupForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("Group name"), max_length=100)
    error_fields = {"group_name_taken": "name"}


class ClientGroupMembersForm(ServiceErrorsMixin, forms.Form):
    clients = forms.ModelMultipleChoiceField(
        label=_("Clients"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    employees = forms.ModelMultipleChoiceField(
        label=_("Employees"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    error_fields = {"not_a_client": "clients", "not_an_employee": "employees"}

    def __init__(self, *args, clients, employees, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clients"].queryset = clients
        self.fields["clients"].label_from_instance = lambda b: f"{b.legal_name} ({b.bn9})"
        self.fields["employees"].queryset = employees
        self.fields["employees"].label_from_instance = lambda u: f"{u.get_full_name()} ({u.email})"


class SuretyInviteForm(ServiceErrorsMixin, forms.Form):
    """The importer's BAM invites a surety company to post security for an account."""

    surety_bn9 = forms.CharField(
        label=_("Surety company's business number (BN9)"),
        max_length=20,
        help_text=_("Your surety gives you this number, for example 123456782."),
    )
    error_fields = {
        "bn9_format": "surety_bn9",
        "bn9_check_digit": "surety_bn9",
        "unknown_surety": "surety_bn9",
        "surety_invited": "surety_bn9",
    }
