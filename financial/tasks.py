"""Scheduled ledger work. The jobs are placeholders until their services exist."""

from celery import shared_task

from carm.tasks import RETRY_POLICY, not_built


@shared_task(name="financial.tasks.issue_statements", **RETRY_POLICY)
def issue_statements(period_end: str | None = None) -> str:
    return not_built("issue_statements")


@shared_task(name="financial.tasks.accrue_interest", **RETRY_POLICY)
def accrue_interest(date: str | None = None) -> str:
    return not_built("accrue_interest")
