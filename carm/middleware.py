"""Middleware the portal adds to Django's."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from carm.failures import bad_request, page_not_found


class RejectNulMiddleware:
    """A NUL character in the path or the query string is a 400. No address or search of
    the portal has one, and PostgreSQL refuses it in any text it is sent (psycopg2:
    "A string literal cannot contain NUL (0x00) characters"), which would be a 500.
    Form fields refuse it on their own (Django's ProhibitNullCharactersValidator)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path_info or "%00" in query or "\x00" in query:
            return bad_request(request)
        return self.get_response(request)


class PortalNotFoundMiddleware:
    """With DEBUG on (`make run`), Django answers a missing page with its technical page,
    which lists every URL pattern of the portal; a person trying the portal gets the
    portal's own page, in the address's language, as in production."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and response.get("Content-Type", "").startswith("text/html")
        ):
            return page_not_found(request)
        return response


class RememberLanguageMiddleware:
    """The language of the last portal page read (its /en/ or /fr/ prefix) is kept in the
    language cookie, so the pages without a prefix — the officers' admin, the API's
    documentation — follow it (Django, "How Django discovers language preference")."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        language = translation.get_language_from_path(request.path_info)
        if language and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
