"""Send a signed-in user without multi-factor authentication to enrolment first."""

from collections.abc import Callable

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

# Pages a person needs to get through sign-in and enrolment: allauth's own, plus the
# language switch.
EXEMPT_URL_PREFIXES = ("account_", "mfa_")
EXEMPT_URL_NAMES = {"set_language"}


class RequireMFAMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if not settings.CARM_REQUIRE_MFA or not request.user.is_authenticated:
            return None
        match = request.resolver_match
        name = (match.url_name or "") if match else ""
        if name.startswith(EXEMPT_URL_PREFIXES) or name in EXEMPT_URL_NAMES:
            return None
        if is_mfa_enabled(request.user, types=["totp"]):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "detail": _("Set up multi-factor authentication before using the portal."),
                    "code": "mfa_required",
                },
                status=403,
            )
        return redirect("mfa_activate_totp")
