from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Registers the email tasks in every process, so that the services queue them by
        # name (carm.tasks.enqueue_on_commit), in tests run eagerly too.
        from notifications import tasks  # noqa: F401
