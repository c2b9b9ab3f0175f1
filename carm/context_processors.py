import functools
import json

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils import translation
from django.utils.translation import gettext as _


def portal(request: HttpRequest) -> dict:
    """The other official language's address of this very page, for the header toggle,
    and the footer's links in this one."""
    current = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    other = "fr" if current == "en" else "en"
    return {
        "other_language": other,
        "other_language_url": _address_in(request, other),
        "footer_links_json": _footer_links_json(current),
    }


def _address_in(request: HttpRequest, language: str) -> str:
    """This page's address in the other language, with its query; the other language's
    home where the page has none there. What django.urls.translate_url does, from the
    match the request already has instead of resolving its path again."""
    here = request.get_full_path()
    match = request.resolver_match
    if match is None or match.url_name is None:  # no match (an error page), or no name
        there = translate_url(here, language)
    else:
        name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
        try:
            with translation.override(language):
                there = reverse(name, args=match.args, kwargs=match.kwargs)
        except NoReverseMatch:
            there = here
        else:
            _, question, query = here.partition("?")
            there = f"{there}{question}{query}"
    return there if there != here else f"/{language}/"


@functools.cache
def _footer_links_json(language: str) -> str:
    """The footer's links as the design system's attribute wants them: the same for every
    page of a language, so written once per language and process."""
    with translation.override(language):
        return json.dumps(
            {
                _("CARM Client Portal help"): _(
                    "https://www.cbsa-asfc.gc.ca/services/carm-gcra/menu-eng.html"
                ),
                _("Contact CBSA"): _("https://www.cbsa-asfc.gc.ca/contact/menu-eng.html"),
            },
            ensure_ascii=False,
        )
