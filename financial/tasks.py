"""Scheduled ledger work: statements on the 25th, interest and arrears every day."""

import datetime

from celery import shared_task

from carm.tasks import RETRY_POLICY


@shared_task(name="financial.tasks.issue_statements", **RETRY_POLICY)
def issue_statements(period_end: str | None = None) -> str:
    from financial.statements import statement_issue_on, statements_issue

    if period_end:
        summary = statements_issue(period_end=datetime.date.fromisoformat(period_end))
    else:
        summary = statement_issue_on()
    return str(summary)


@shared_task(name="financial.tasks.accrue_interest", **RETRY_POLICY)
def accrue_interest(date: str | None = None) -> str:
    from django.utils import timezone

    from financial.interest import interest_accrue

    day = datetime.date.fromisoformat(date) if date else timezone.localdate()
    return str(interest_accrue(day=day))


@shared_task(name="financial.tasks.posting_partitions_ahead", **RETRY_POLICY)
def posting_partitions_ahead() -> str:
    from financial.partitions import months_ahead

    added = months_ahead()
    return f"posting partitions added: {', '.join(added) or 'none'}"
