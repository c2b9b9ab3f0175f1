"""What every endpoint of the HTTP API shares: the error shape and the pagination."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler

from carm.errors import CodedError


def api_exception_handler(exc, context):
    """Every error is `{"detail": ..., "code": ...}`, plus `errors` when a field is at fault.
    A service's refusal (a CodedError) keeps its code and says its message in the caller's
    language, with the status its class gives the code (400 unless said otherwise)."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, CodedError):
        return _refusal(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        detail = exc.detail
        errors = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        response.data = {
            "detail": str(_first_message(errors)),
            "code": "invalid",
            "errors": errors,
        }
    else:
        codes = exc.get_codes() if hasattr(exc, "get_codes") else "error"
        response.data = {
            "detail": str(getattr(exc, "detail", exc)),
            "code": codes if isinstance(codes, str) else "error",
        }
    return response


def _refusal(error: CodedError) -> Response:
    """A service's refusal: its code, its message, and the field it is about if any."""
    body = {"detail": error.message, "code": error.code}
    if error.code in error.fields:
        body["errors"] = {error.fields[error.code]: [error.message]}
    return Response(body, status=error.status)


def _first_message(errors):
    while isinstance(errors, dict | list) and errors:
        errors = next(iter(errors.values())) if isinstance(errors, dict) else errors[0]
    return errors


class CursorPages(CursorPagination):
    """The API's one pagination: cursor pages in the order the view names (`ordering`,
    unique at its end so that no row is skipped or repeated), `page_size` rows unless the
    view or the caller (`?page_size=`, at most 500) says otherwise."""

    page_size = 50
    max_page_size = 500
    page_size_query_param = "page_size"

    def paginate_queryset(self, queryset, request, view=None):
        self.ordering = view.ordering
        self.page_size = getattr(view, "page_size", CursorPages.page_size)
        return super().paginate_queryset(queryset, request, view)
