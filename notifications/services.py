"""Sending and reading notifications."""

from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from notifications.kinds import Kind
from notifications.models import Notification
from notifications.selectors import notifications_for


def email_task_id(notification: Notification) -> str:
    """One email task per notification: a redelivered task keeps its id."""
    return f"notification-email-{notification.pk}"


@transaction.atomic
def notification_send(
    *,
    recipient: User,
    kind: Kind | str,
    dedupe_key: str,
    context: dict | None = None,
    link: str = "",
) -> tuple[Notification, bool]:
    """Put a notification in the recipient's inbox unless this event already did.

    Returns the notification and whether it is new. The email, for users who want one,
    leaves after the surrounding transaction commits.
    """
    notification, created = Notification.objects.get_or_create(
        recipient=recipient,
        dedupe_key=dedupe_key,
        defaults={"kind": kind, "context": context or {}, "link": link},
    )
    if created and recipient.email_notifications:
        from notifications.tasks import notification_email_send

        transaction.on_commit(
            partial(
                notification_email_send.apply_async,
                args=[notification.pk],
                task_id=email_task_id(notification),
            )
        )
    return notification, created


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the user's notifications read; another person's raises DoesNotExist."""
    notification = notifications_for(user).get(pk=notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, user: User) -> int:
    return notifications_for(user, unread_only=True).update(read_at=timezone.now())


@transaction.atomic
def notification_email_deliver(*, notification_id: int) -> bool:
    """Email one notification to its recipient, once; returns whether a message left.

    The row lock makes a redelivered task wait for the first and then find it done.
    """
    notification = (
        Notification.objects.select_for_update().select_related("recipient").get(pk=notification_id)
    )
    recipient = notification.recipient
    if notification.emailed_at is not None or not recipient.email_notifications:
        return False
    with translation.override(recipient.preferred_language):
        context = {
            "notification": notification,
            "recipient": recipient,
            "inbox_url": settings.CARM_BASE_URL + reverse("notifications:inbox"),
        }
        subject = render_to_string("notifications/email/subject.txt", context).strip()
        body = render_to_string("notifications/email/body.txt", context)
    send_mail(subject, body, None, [recipient.email])
    notification.emailed_at = timezone.now()
    notification.save(update_fields=["emailed_at"])
    return True
