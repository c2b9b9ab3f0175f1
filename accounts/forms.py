import re
from decimal import Decimal

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from accounts.errors import MESSAGES, AccountsError
from accounts.models import ProgramAccount, User
from accounts.selectors import AffinityQuestion
from accounts.services.onboarding import (
    AffinityAnswer,
    AffinityQuiz,
    DeclarationAnswer,
    PaymentAnswer,
    StatementAnswer,
)
from carm.forms import DateField, MoneyField, ServiceErrorsMixin
from carm.widgets import DatePicker

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
        help_text=_(
            "As CBSA has it. Capitals, accents, punctuation, spacing and the way Inc., Ltd. "
            "or Corp. is written do not matter."
        ),
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


class TransactionNumberField(forms.CharField):
    def __init__(self, **kwargs) -> None:
        super().__init__(
            max_length=30,
            validators=[RegexValidator(r"^[0-9]{14}$", _("A transaction number has 14 digits."))],
            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            **kwargs,
        )

    def to_python(self, value):
        return re.sub(r"[\s-]", "", super().to_python(value))


class AffinityForm(forms.Form):
    """The affinity questions an account's history allows (docs/rules.md §2). The registrant
    answers the number the quiz requires and leaves the others empty."""

    transaction_number = TransactionNumberField(
        label=_("Transaction number"),
        required=False,
        help_text=_("The 14 digits of a declaration on this program account."),
    )
    declaration_total = MoneyField(
        label=_("Its total duties and taxes (CAD)"),
        required=False,
        min_value=Decimal("0"),
        help_text=_("For example 1,234.50. $0.00 is a valid answer."),
    )
    payment_date = DateField(
        label=_("Date of a payment"),
        required=False,
        widget=DatePicker(),
        help_text=_("Any day a payment was made on this program account."),
    )
    payment_amount = MoneyField(
        label=_("Amount paid that day (CAD)"),
        required=False,
        min_value=Decimal("0.01"),
        help_text=_("For example 1,234.50."),
    )
    statement_date = DateField(
        label=_("Statement date"),
        required=False,
        widget=DatePicker(),
        help_text=_("The date of one of its Statements of Account. Statements are dated the 25th."),
    )
    statement_balance = MoneyField(
        label=_("Total payable on that statement (CAD)"),
        required=False,
        help_text=_("Line H of the statement. A balance of $0.00 cannot be used."),
    )

    QUESTIONS = {
        AffinityQuestion.DECLARATION: (
            _("A declaration"),
            ("transaction_number", "declaration_total"),
        ),
        AffinityQuestion.PAYMENT: (_("A payment"), ("payment_date", "payment_amount")),
        AffinityQuestion.STATEMENT: (
            _("A Statement of Account"),
            ("statement_date", "statement_balance"),
        ),
    }

    def __init__(self, *args, quiz: AffinityQuiz, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.quiz = quiz
        for question, (_legend, names) in self.QUESTIONS.items():
            if question not in quiz.questions:
                for name in names:
                    del self.fields[name]

    def groups(self) -> list[dict]:
        """The questions offered, each with its legend and bound fields, for the page."""
        return [
            {"legend": legend, "fields": [self[name] for name in names]}
            for question, (legend, names) in self.QUESTIONS.items()
            if question in self.quiz.questions
        ]

    def _filled(self, name: str) -> bool:
        return bool(str(self[name].value() or "").strip())

    def clean_statement_balance(self) -> Decimal | None:
        balance = self.cleaned_data.get("statement_balance")
        if balance == 0:
            raise forms.ValidationError(MESSAGES["statement_balance_zero"])
        return balance

    def clean(self) -> dict:
        cleaned = super().clean()
        answered, partial = 0, False
        for question in self.quiz.questions:
            names = self.QUESTIONS[question][1]
            filled = [self._filled(name) for name in names]
            if all(filled):
                answered += 1
            elif any(filled):
                partial = True
                for name, is_filled in zip(names, filled, strict=True):
                    if not is_filled:
                        self.add_error(
                            name, _("Fill in this part too, or leave the whole question empty.")
                        )
        if not partial and answered < self.quiz.required:
            code = "affinity_answer_two" if self.quiz.required > 1 else "affinity_answer_one"
            raise forms.ValidationError(MESSAGES[code])
        return cleaned

    def answers(self) -> list[AffinityAnswer]:
        data = self.cleaned_data
        answers: list[AffinityAnswer] = []
        if data.get("transaction_number") and data.get("declaration_total") is not None:
            answers.append(
                DeclarationAnswer(
                    transaction_number=data["transaction_number"], total=data["declaration_total"]
                )
            )
        if data.get("payment_date") and data.get("payment_amount") is not None:
            answers.append(
                PaymentAnswer(paid_on=data["payment_date"], amount=data["payment_amount"])
            )
        if data.get("statement_date") and data.get("statement_balance") is not None:
            answers.append(
                StatementAnswer(
                    statement_date=data["statement_date"], balance=data["statement_balance"]
                )
            )
        return answers

    def add_service_error(self, error: AccountsError) -> None:
        self.add_error(None, error.message)


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
