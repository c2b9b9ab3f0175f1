"""Send a signed-in user without multi-factor authentication to enrolment first; end a
session past its limits (SessionLimitsMiddleware)."""

import time
from collections.abc import Callable

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
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


# --- Session limits ------------------------------------------------------------------------
# How long a signed-in session lasts: 30 minutes without a request, 12 hours in all, and
# not past the moment its user signed out everywhere (docs/operations.md, "Sessions").
#
# An idle and an absolute timeout, as OWASP's *Session Management Cheat Sheet* describes
# them ("Idle Timeout", "Absolute Timeout"). The moment a session was last seen is written
# at most once a minute, so that a busy session does not cost a database write per
# request.

IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 12 * 60 * 60
TOUCH_EVERY_SECONDS = 60

STARTED = "carm_session_started"
SEEN = "carm_session_seen"


def session_started(sender, request, user, **kwargs) -> None:
    """On user_logged_in (connected in accounts/apps.py): the session's clocks start."""
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[STARTED] = now
        request.session[SEEN] = now


def session_expired(request: HttpRequest, now: float) -> str | None:
    """Why this signed-in session is over ("idle", "absolute", "everywhere"), or None."""
    session = request.session
    started, seen = session.get(STARTED), session.get(SEEN)
    if started is None or seen is None:  # signed in before these limits: starts now
        session[STARTED] = session[SEEN] = now
        return None
    if now - seen > IDLE_SECONDS:
        return "idle"
    if now - started > ABSOLUTE_SECONDS:
        return "absolute"
    ended = request.user.sessions_ended_at
    if ended is not None and started <= ended.timestamp():
        return "everywhere"
    if now - seen > TOUCH_EVERY_SECONDS:
        session[SEEN] = now
    return None


REASONS = {
    "idle": lambda: _("You were signed out after 30 minutes without activity."),
    "absolute": lambda: _("You were signed out: a session lasts at most 12 hours."),
    "everywhere": lambda: _("You were signed out on every device."),
}


class SessionLimitsMiddleware:
    """After AuthenticationMiddleware and MessageMiddleware: ends a session past its
    limits and sends the person to sign in again (the API answers 401)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            reason = session_expired(request, time.time())
            if reason is not None:
                return self.signed_out(request, reason)
        return self.get_response(request)

    def signed_out(self, request: HttpRequest, reason: str) -> HttpResponse:
        logout(request)
        message = REASONS[reason]()
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message, "code": "session_expired"}, status=401)
        messages.info(request, message)
        next_url = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse('account_login')}?{next_url}")
