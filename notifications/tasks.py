from smtplib import SMTPException

from celery import shared_task

from carm.tasks import RETRY_POLICY
from notifications.services import notification_email_deliver

EMAIL_POLICY = {**RETRY_POLICY, "autoretry_for": (*RETRY_POLICY["autoretry_for"], SMTPException)}


@shared_task(name="notifications.tasks.notification_email_send", **EMAIL_POLICY)
def notification_email_send(notification_id: int) -> bool:
    return notification_email_deliver(notification_id=notification_id)


@shared_task(name="notifications.tasks.notification_emails_send", **EMAIL_POLICY)
def notification_emails_send(notification_ids: list[int]) -> int:
    """A batch of emails; a retry or a redelivery sends only those not sent yet."""
    return sum(notification_email_deliver(notification_id=pk) for pk in notification_ids)
