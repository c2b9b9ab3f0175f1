"""django-axes for the admin login only; allauth's rate limits guard the portal's."""

from axes.handlers.database import AxesDatabaseHandler


class AdminOnlyDatabaseHandler(AxesDatabaseHandler):
    """Counts failed sign-ins at the admin door only.

    AXES_ONLY_ADMIN_SITE stops axes from refusing portal sign-ins, but its stock handler
    still records and locks on them; this handler ignores them altogether.
    """

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs) -> None:
        if request is None or not self.is_admin_request(request):
            return None
        return super().user_login_failed(sender, credentials, request, **kwargs)
