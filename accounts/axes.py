"""django-axes guards the officers' door; allauth's rate limits guard everyone's.

Officers sign in to the admin through the portal's sign-in (so their second factor is
asked too): a sign-in on its way to the admin counts as an admin sign-in.
"""

from axes.handlers.database import AxesDatabaseHandler


class AdminOnlyDatabaseHandler(AxesDatabaseHandler):
    def is_admin_request(self, request) -> bool:
        if super().is_admin_request(request):
            return True
        admin_url = self.get_admin_url()
        next_url = request.POST.get("next") or request.GET.get("next") or ""
        return bool(admin_url) and next_url.startswith(admin_url)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs) -> None:
        # The stock handler records every failure even with AXES_ONLY_ADMIN_SITE.
        if request is None or not self.is_admin_request(request):
            return None
        return super().user_login_failed(sender, credentials, request, **kwargs)


def login_identifier(request, credentials: dict | None) -> str | None:
    """The email address a sign-in attempt names, however it reached axes."""
    credentials = credentials or {}
    value = (
        credentials.get("email")
        or credentials.get("username")
        or request.POST.get("login")
        or request.POST.get("username")
    )
    return value.strip().lower() if value else None
