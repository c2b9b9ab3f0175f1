"""The portal's formats as template filters, built into every template (settings
TEMPLATES "builtins"): {{ amount|money }}, {{ rate|percent }}, {{ due_date|day }},
{{ created_at|moment }}, {{ period|month }}, {{ renewal|month_day }}."""

from django import template

from carm import formats

register = template.Library()

for write in (
    formats.money,
    formats.percent,
    formats.day,
    formats.moment,
    formats.month,
    formats.month_day,
):
    register.filter(write.__name__, write)
