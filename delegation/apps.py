from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DelegationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "delegation"
    verbose_name = _("Delegation of authority")
