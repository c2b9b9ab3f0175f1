from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from accounts import middleware, receivers

        post_migrate.connect(receivers.sync_officers_group, sender=self)
        user_logged_in.connect(middleware.session_started, dispatch_uid="carm-session-started")
