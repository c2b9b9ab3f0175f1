"""How the portal writes amounts for people, in their language."""

from decimal import Decimal

from django.utils import translation

# How each language writes 1,234.50: thousands separator, decimal mark, where "$" goes.
MONEY_STYLES = {"en": (",", ".", "${}"), "fr": ("\u00a0", ",", "{}\u00a0$")}


def money(value: Decimal | None) -> str:
    """Dollars with cents in the active language: $1,234.50 and -$1,234.50 in English,
    1 234,50 $ and -1 234,50 $ in French."""
    if value is None:
        return "—"
    language = (translation.get_language() or "en")[:2]
    thousands, decimal_mark, pattern = MONEY_STYLES.get(language, MONEY_STYLES["en"])
    digits = f"{abs(value):,.2f}".replace(",", "\0").replace(".", decimal_mark)
    digits = digits.replace("\0", thousands)
    return ("-" if value < 0 else "") + pattern.format(digits)


def percent(rate: Decimal | None) -> str:
    """A rate kept as a fraction, as a percentage in the active language: 6.5% in English,
    6,5 % in French."""
    if rate is None:
        return "—"
    language = (translation.get_language() or "en")[:2]
    number = f"{(rate * 100).normalize():f}"
    if language == "fr":
        return number.replace(".", ",") + "\u00a0%"
    return number + "%"
