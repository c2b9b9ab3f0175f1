"""Reactions to allauth's events; each hands over to a service."""

from allauth.account.signals import email_confirmed
from django.dispatch import receiver

from accounts.services.officers import officers_group_sync
from notifications.kinds import Kind
from notifications.services import notification_send


@receiver(email_confirmed)
def welcome_confirmed_user(sender, request, email_address, **kwargs) -> None:
    notification_send(recipient=email_address.user, kind=Kind.WELCOME, dedupe_key="welcome")


def sync_officers_group(sender, **kwargs) -> None:
    officers_group_sync()
