import json

from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language
from django.utils.translation import gettext as _


def portal(request: HttpRequest) -> dict:
    """The other official language's address of this very page, for the header toggle."""
    current = (get_language() or settings.LANGUAGE_CODE)[:2]
    other = "fr" if current == "en" else "en"
    here = request.get_full_path()
    there = translate_url(here, other)
    return {
        "other_language": other,
        "other_language_url": there if there != here else f"/{other}/",
        "footer_links_json": json.dumps(
            {
                _("CARM Client Portal help"): _(
                    "https://www.cbsa-asfc.gc.ca/services/carm-gcra/menu-eng.html"
                ),
                _("Contact CBSA"): _("https://www.cbsa-asfc.gc.ca/contact/menu-eng.html"),
            },
            ensure_ascii=False,
        ),
    }
