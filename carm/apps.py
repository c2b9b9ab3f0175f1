from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CarmConfig(AppConfig):
    """The portal's own plumbing that keeps rows: the outbox of queued tasks."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "carm"
    verbose_name = _("Portal operations")
