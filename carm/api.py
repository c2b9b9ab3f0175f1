"""What every endpoint of the HTTP API shares: the JSON it reads, exact decimals, the
error shape and the pagination."""

import codecs
import json
import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, parsers, serializers
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

    def get_page_size(self, request):
        """`?page_size=` is a whole number from 1 to 500, or a 400 (not silently ignored)."""
        given = request.query_params.getlist(self.page_size_query_param)
        if given:
            value = given[-1]
            if not (value.isascii() and value.isdigit() and 1 <= int(value) <= 500):
                raise ValidationError(
                    {self.page_size_query_param: [_("A whole number from 1 to 500.")]}
                )
        return super().get_page_size(request)

    def paginate_queryset(self, queryset, request, view=None):
        self.ordering = view.ordering
        self.page_size = getattr(view, "page_size", CursorPages.page_size)
        try:
            return super().paginate_queryset(queryset, request, view)
        except (DjangoValidationError, ValueError, TypeError, OverflowError):
            # A cursor decodes, but to a position no row could have (a forged one).
            raise exceptions.NotFound(self.invalid_cursor_message) from None


# --- The JSON the API reads --------------------------------------------------------------

# A decimal as people and programs write it: ASCII digits, at most one point.
PLAIN_DECIMAL = re.compile(r"-?([0-9]+(\.[0-9]*)?|\.[0-9]+)", re.ASCII)


def _no_constants(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _exact_number(text: str) -> Decimal | str:
    """A JSON number with a fraction, exactly; one written with an exponent stays the
    text it was, which ExactDecimalField refuses as a string "1e3" would be."""
    return Decimal(text) if PLAIN_DECIMAL.fullmatch(text) else text


class JSONParser(parsers.JSONParser):
    """JSON with every number read exactly: 10.5 becomes Decimal("10.5"), never a binary
    float (Python, `json.load(parse_float=...)`); NaN and Infinity, which JSON does not
    have, are refused; a body nested deeper than Python's recursion limit is a 400, not a
    crash."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json.load(
                codecs.getreader(encoding)(stream),
                parse_float=_exact_number,
                parse_constant=_no_constants,
            )
        except (ValueError, RecursionError) as error:
            raise exceptions.ParseError(_("The body is not valid JSON.")) from error


class ExactDecimalField(serializers.DecimalField):
    """A quantity, rate or amount sent as a JSON string ("10.5") or a JSON number (10,
    10.5: exact, see JSONParser); refused unless written with digits and at most one
    point ("1e3", "１２", "NaN", true are not). Written back as a string."""

    default_error_messages = {
        "not_plain": _('Write a number with digits and at most one point, for example "12.50".')
    }

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int | Decimal):
            self.fail("not_plain")
        text = data.strip() if isinstance(data, str) else str(data)
        if not PLAIN_DECIMAL.fullmatch(text):
            self.fail("not_plain")
        return super().to_internal_value(text)


# The schema says the years the portal takes (FIRST_DATE to LAST_DATE).
PORTAL_DATE = {"type": "string", "format": "date", "pattern": r"^20[0-9]{2}-[0-9]{2}-[0-9]{2}$"}


@extend_schema_field(PORTAL_DATE)
class DateField(serializers.DateField):
    """A date the portal takes (carm.forms.FIRST_DATE to LAST_DATE, docs/rules.md §4):
    "0001-01-01" and "9999-12-31" are no customs dates, and arithmetic on the latter
    overflows."""

    default_error_messages = {
        "out_of_range": _("Enter a date between %(first)s and %(last)s."),
    }

    def to_internal_value(self, value):
        from carm.forms import FIRST_DATE, LAST_DATE

        date = super().to_internal_value(value)
        if not FIRST_DATE <= date <= LAST_DATE:
            # The catalogue's text has %(first)s placeholders, as the form's has
            # (carm.forms.DateField); DRF's fail() would format {first} ones.
            message = self.error_messages["out_of_range"] % {
                "first": FIRST_DATE.isoformat(),
                "last": LAST_DATE.isoformat(),
            }
            raise serializers.ValidationError(message, code="out_of_range")
        return date
