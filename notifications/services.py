"""Sending and reading notifications."""

import datetime
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from carm.tasks import enqueue_on_commit
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
    route: str = "",
    route_args: Sequence[str] = (),
    at: datetime.datetime | None = None,
) -> tuple[Notification, bool]:
    """Put a notification in the recipient's inbox unless this event already did.

    Returns the notification and whether it is new. `route` and `route_args` name the page
    it leads to (made into a link in the reader's language when shown). The email, for
    users who want one, leaves after the surrounding transaction commits.
    """
    notification, created = Notification.objects.get_or_create(
        recipient=recipient,
        dedupe_key=dedupe_key,
        defaults={
            "kind": kind,
            "context": context or {},
            "route": route,
            "route_args": list(route_args),
            "created_at": at or timezone.now(),
        },
    )
    if created and recipient.email_notifications:
        enqueue_on_commit(
            "notifications.tasks.notification_email_send",
            args=[notification.pk],
            task_id=email_task_id(notification),
        )
    return notification, created


@dataclass(frozen=True)
class Notice:
    """One notification to put in `recipient`'s inbox (see `notifications_send`)."""

    recipient: User
    dedupe_key: str
    context: dict = field(default_factory=dict)
    route: str = ""
    route_args: Sequence[str] = ()


EMAIL_BATCH = 100

NOTICES_INSERT = """
INSERT INTO notifications_notification
       (recipient_id, kind, dedupe_key, context, route, route_args, created_at)
SELECT recipient, %(kind)s, dedupe_key, context::jsonb, route, route_args::jsonb, %(now)s
FROM unnest(%(recipients)s::bigint[], %(keys)s::text[], %(contexts)s::text[],
            %(routes)s::text[], %(route_args)s::text[])
     AS notice(recipient, dedupe_key, context, route, route_args)
ON CONFLICT (recipient_id, dedupe_key) DO NOTHING
RETURNING id, recipient_id
"""


def notifications_send(
    *, kind: Kind | str, notices: Sequence[Notice], at: datetime.datetime | None = None
) -> int:
    """`notification_send` for many events of one kind: one INSERT that skips the events a
    recipient already has, the emails queued in batches after the transaction commits.
    For the scheduled jobs that tell thousands of people at once; returns how many are
    new."""
    if not notices:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            NOTICES_INSERT,
            {
                "kind": str(kind),
                "now": at or timezone.now(),
                "recipients": [notice.recipient.pk for notice in notices],
                "keys": [notice.dedupe_key for notice in notices],
                "contexts": [json.dumps(notice.context) for notice in notices],
                "routes": [notice.route for notice in notices],
                "route_args": [json.dumps(list(notice.route_args)) for notice in notices],
            },
        )
        created = cursor.fetchall()
    emailed = {notice.recipient.pk for notice in notices if notice.recipient.email_notifications}
    emails_queue(sorted(pk for pk, recipient in created if recipient in emailed))
    return len(created)


def emails_queue(notification_ids: Iterable[int]) -> None:
    """Queue the emails of these new notifications after commit, `EMAIL_BATCH` a task."""
    ids = list(notification_ids)
    for start in range(0, len(ids), EMAIL_BATCH):
        batch = ids[start : start + EMAIL_BATCH]
        enqueue_on_commit(
            "notifications.tasks.notification_emails_send",
            args=[batch],
            task_id=f"notification-emails-{batch[0]}",  # a notification is in one batch
        )


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
