"""Scheduled pre-authorized debits: each day, the statements due that day."""

import datetime

from celery import shared_task

from carm.tasks import RETRY_POLICY


@shared_task(name="payments.tasks.pad_run", **RETRY_POLICY)
def pad_run(date: str | None = None) -> str:
    from django.utils import timezone

    from payments.services import pad_run as run_day

    day = datetime.date.fromisoformat(date) if date else timezone.localdate()
    run, created = run_day(day=day)
    if not created:
        return f"pad_run {day}: already run ({run.debit_count} debits)."
    return f"pad_run {day}: {run.debit_count} debits, ${run.total:,.2f}."
