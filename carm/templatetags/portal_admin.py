"""The admin's date drill-down with its days written as the portal writes them: Django
writes them with MONTH_DAY_FORMAT, which cannot say "1er octobre"."""

import datetime
from urllib.parse import parse_qs, urlsplit

from django import template
from django.contrib.admin.templatetags import admin_list
from django.utils.text import capfirst

from carm.formats import month_day

register = template.Library()


@register.inclusion_tag("admin/date_hierarchy.html")
def portal_date_hierarchy(cl) -> dict:
    hierarchy = admin_list.date_hierarchy(cl) or {}
    for choice in hierarchy.get("choices", []):
        if "link" in choice:
            lookups = {
                name: values[-1]
                for name, values in parse_qs(urlsplit(choice["link"]).query).items()
            }
        else:  # the day chosen
            lookups = {name: _last(value) for name, value in cl.params.items()}
        try:
            day = datetime.date(
                *(int(lookups[f"{cl.date_hierarchy}__{part}"]) for part in ("year", "month", "day"))
            )
        except (KeyError, ValueError):  # a year or a month: no day to write
            continue
        choice["title"] = capfirst(month_day(day))
    return hierarchy


def _last(value):
    return value[-1] if isinstance(value, list) else value
