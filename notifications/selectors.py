"""Reads of a person's own inbox; nobody reads another person's notifications."""

from django.db.models import QuerySet

from accounts.models import User
from notifications.models import Notification


def notifications_for(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(recipient=user)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications


def unread_count(user: User) -> int:
    return notifications_for(user, unread_only=True).count()
