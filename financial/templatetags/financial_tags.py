from django import template
from django.utils import translation
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext

register = template.Library()


def _in(language: str, text) -> str:
    with translation.override(language):
        return str(text) if isinstance(text, Promise) else gettext(text)


@register.simple_tag
def bilingual(text) -> str:
    """The text in English and in French, for documents both languages read alike."""
    english, french = capfirst(_in("en", text)), capfirst(_in("fr", text))
    return english if english == french else f"{english} / {french}"


@register.filter
def money(value) -> str:
    """$1,234.50 and -$1,234.50: cents always shown."""
    if value is None:
        return "—"
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"
