"""What the portal writes itself in a posting's description (a payment's method, a bank's
reason for return, an interest period, a correction's version) is kept in English, the
ledger's language, as the exports and the API give it, and written in the reader's
language on pages and documents. Descriptions people typed (a vendor, an invoice's
reference) are shown as typed."""

import re
from collections.abc import Callable
from functools import cache

from django.utils import translation
from django.utils.translation import gettext as _

from carm.formats import iso_day
from financial.models import DeclarationVersion, Payment


def in_english(label) -> str:
    """A label as the ledger keeps it, whatever language the writer reads."""
    with translation.override("en"):
        return str(label)


@cache
def _labels() -> dict:
    """{English label: the label itself (lazy)} for the labels the portal writes."""
    labels = [
        *Payment.Method.choices,
        *Payment.ReturnReason.choices,
        *DeclarationVersion.Kind.choices,
    ]
    return {in_english(label): label for _value, label in labels}


def _interest(match: re.Match) -> str:
    return _("Interest from %(start)s to %(end)s") % {
        "start": iso_day(match["start"]),
        "end": iso_day(match["end"]),
    }


def _version(match: re.Match) -> str:
    return _("%(kind)s, version %(number)s") % {
        "kind": _labels()[match["kind"]],
        "number": match["number"],
    }


def _refund(match: re.Match) -> str:
    return _("Refund by %(officer)s") % {"officer": match["officer"]}


PATTERNS: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [
    (
        re.compile(r"^Interest (?P<start>\d{4}-\d{2}-\d{2}) – (?P<end>\d{4}-\d{2}-\d{2})$"),
        _interest,
    ),
    (re.compile(r"^(?P<kind>Correction|Adjustment) v(?P<number>\d+)$"), _version),
    (re.compile(r"^Refund by (?P<officer>\S+)$"), _refund),
]


def described(description: str) -> str:
    """A posting's description in the active language."""
    label = _labels().get(description)
    if label is not None:
        return str(label)
    for pattern, write in PATTERNS:
        if match := pattern.match(description):
            return write(match)
    return description
