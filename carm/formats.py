"""How the portal writes amounts and dates for people, in their language.

One way per language, on every page, email, notification, PDF and admin screen:

- money: $1,234.50 and -$1,234.50 in English, 1 234,50 $ and -1 234,50 $ in French;
- a day: October 1, 2026 in English, 1er octobre 2026 in French (the first of a month is
  "1er", other days are plain: 2 octobre 2026);
- a moment: October 1, 2026, 14:05 in English, 1er octobre 2026, 14 h 05 in French, in the
  portal's time zone;
- a month: October 2026 / octobre 2026; a day of the year: October 1 / 1er octobre.

Machine formats stay machine formats: CSV exports, the API, CPA-005 files and the dates in
addresses and file names keep ISO dates and plain decimals ("1234.50").
"""

import datetime
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.dateformat import format as date_format
from django.utils.dates import MONTHS

# Written where a value is missing.
NOTHING = "—"

# How each language writes 1,234.50: thousands separator, decimal mark, where "$" goes.
MONEY_STYLES = {"en": (",", ".", "${}"), "fr": ("\u00a0", ",", "{}\u00a0$")}


def _language() -> str:
    language = (translation.get_language() or "en")[:2]
    return language if language in MONEY_STYLES else "en"


def money(value: Decimal | None) -> str:
    """Dollars with cents in the active language: $1,234.50 and -$1,234.50 in English,
    1 234,50 $ and -1 234,50 $ in French."""
    if value is None or value == "":
        return NOTHING
    value = Decimal(value)
    thousands, decimal_mark, pattern = MONEY_STYLES[_language()]
    digits = f"{abs(value):,.2f}".replace(",", "\0").replace(".", decimal_mark)
    digits = digits.replace("\0", thousands)
    return ("-" if value < 0 else "") + pattern.format(digits)


def percent(rate: Decimal | None) -> str:
    """A rate kept as a fraction, as a percentage in the active language: 6.5% in English,
    6,5 % in French."""
    if rate is None:
        return NOTHING
    number = f"{(rate * 100).normalize():f}"
    if _language() == "fr":
        return number.replace(".", ",") + "\u00a0%"
    return number + "%"


def _local_date(value: datetime.date) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return _local(value).date()
    return value


def _local(value: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def month_day(value: datetime.date | None) -> str:
    """A day of the year, without the year: October 1 in English, 1er octobre in French."""
    if not value:
        return NOTHING
    value = _local_date(value)
    name = MONTHS[value.month]  # the month's name in the active language, as "F" writes it
    if _language() == "fr":
        return f"{'1er' if value.day == 1 else value.day} {name}"
    return f"{name} {value.day}"


def day(value: datetime.date | None) -> str:
    """A day in the active language: October 1, 2026 in English, 1er octobre 2026 (and
    2 octobre 2026) in French. A date-time is read in the portal's time zone."""
    if not value:
        return NOTHING
    value = _local_date(value)
    if _language() == "fr":
        return f"{month_day(value)} {value.year}"
    return f"{month_day(value)}, {value.year}"


def moment(value: datetime.datetime | None) -> str:
    """A date and time in the portal's time zone: October 1, 2026, 14:05 in English,
    1er octobre 2026, 14 h 05 in French."""
    if not value:
        return NOTHING
    if not isinstance(value, datetime.datetime):
        return day(value)
    value = _local(value)
    if _language() == "fr":
        return f"{day(value)}, {value.hour}\u00a0h\u00a0{value.minute:02d}"
    return f"{day(value)}, {value:%H:%M}"


def month(value: datetime.date | None) -> str:
    """A month: October 2026 in English, octobre 2026 in French."""
    if not value:
        return NOTHING
    return date_format(_local_date(value), "F Y")


def iso_day(text: str) -> str:
    """A day stored as ISO text (a notification's fact, a ledger description's period),
    written for people; text that is not a day is shown as it is."""
    try:
        return day(datetime.date.fromisoformat(text))
    except (TypeError, ValueError):
        return text
