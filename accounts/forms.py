from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from accounts.models import User

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
