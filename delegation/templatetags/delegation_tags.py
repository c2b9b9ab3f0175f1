from django import template

from delegation.permissions import ACTION_LABELS, Action

register = template.Library()


@register.filter
def action_label(value: str) -> str:
    """What an access-log entry concerns, in the reader's language."""
    try:
        return str(ACTION_LABELS[Action(value)])
    except ValueError:
        return value
