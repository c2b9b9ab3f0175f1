"""Scheduled case work: reminders of information due, daily."""

import datetime

from celery import shared_task

from carm.tasks import RETRY_POLICY


@shared_task(name="cases.tasks.case_reminders", **RETRY_POLICY)
def case_reminders(date: str | None = None) -> str:
    from django.utils import timezone

    from cases.services import information_reminders_send

    day = datetime.date.fromisoformat(date) if date else timezone.localdate()
    return f"case_reminders {day}: {information_reminders_send(day=day)} reminders sent."
