from smtplib import SMTPException

from celery import shared_task

from carm.tasks import RETRY_POLICY
from notifications.services import notification_email_deliver


@shared_task(
    name="notifications.tasks.notification_email_send",
    **{**RETRY_POLICY, "autoretry_for": (*RETRY_POLICY["autoretry_for"], SMTPException)},
)
def notification_email_send(notification_id: int) -> bool:
    return notification_email_deliver(notification_id=notification_id)
