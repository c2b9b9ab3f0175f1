"""What a request that fails answers: the portal's pages for people, JSON for the API.

Django calls these handlers for what no view answered (docs: "Customizing error views"):
a 404, a 403, a 400 (a body too large, a forged request) and any exception. An exception
from a data store that is down or dropped the connection (PostgreSQL, Redis, the broker)
is a 503 with `Retry-After`, not a 500: the next request gets a new connection
(CONN_HEALTH_CHECKS) and usually succeeds. None of them says more than what happened.
"""

import logging
import sys

import redis.exceptions
from django.db import InterfaceError
from django.db import OperationalError as DatabaseUnavailable
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerUnavailable

logger = logging.getLogger(__name__)

UNAVAILABLE = (
    DatabaseUnavailable,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    BrokerUnavailable,
)
RETRY_AFTER = "5"


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _json(status: int, code: str, detail: str) -> JsonResponse:
    response = JsonResponse({"detail": detail, "code": code}, status=status)
    if status == 503:
        response["Retry-After"] = RETRY_AFTER
    return response


def _page(template: str, status: int) -> HttpResponse:
    """Rendered without the request: no context processor, so no query, runs (the
    database may be what failed)."""
    response = HttpResponse(render_to_string(template), status=status)
    if status == 503:
        response["Retry-After"] = RETRY_AFTER
    return response


def unavailable_response(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return _json(503, "unavailable", _("The service is unavailable for a moment. Try again."))
    return _page("503.html", 503)


def _caused_by_a_store_down(exception) -> bool:
    """Whether a data store that went away is behind this exception: a session that could
    not be saved because the database connection died is a SessionInterrupted (400) whose
    context is the OperationalError (django.contrib.sessions.backends.db.SessionStore.save)."""
    seen = 0
    while exception is not None and seen < 10:
        if isinstance(exception, UNAVAILABLE):
            return True
        exception, seen = exception.__cause__ or exception.__context__, seen + 1
    return False


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    if _caused_by_a_store_down(exception):
        logger.warning("data store unavailable during %s %s", request.method, request.path)
        return unavailable_response(request)
    if is_api(request):
        return _json(400, "bad_request", _("The request could not be read."))
    return _page("400.html", 400)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    if is_api(request):
        return _json(403, "permission_denied", _("You do not have permission to do this."))
    return _page("403.html", 403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    if is_api(request):
        return _json(404, "not_found", _("Not found."))
    return _page("404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Any exception no view caught. Django calls this inside its `except` block, so the
    exception is the one being handled (django.core.handlers.exception)."""
    exception = sys.exc_info()[1]
    if isinstance(exception, UNAVAILABLE):
        logger.warning(
            "data store unavailable during %s %s: %r", request.method, request.path, exception
        )
        return unavailable_response(request)
    if is_api(request):
        return _json(500, "server_error", _("Something went wrong on our side. Try again later."))
    return _page("500.html", 500)
