"""Scheduled RPP work. The jobs are placeholders until their services exist."""

from celery import shared_task

from carm.tasks import RETRY_POLICY, not_built


@shared_task(name="security.tasks.rpp_annual_review", **RETRY_POLICY)
def rpp_annual_review(year: int | None = None) -> str:
    return not_built("rpp_annual_review")


@shared_task(name="security.tasks.rpp_enforce", **RETRY_POLICY)
def rpp_enforce(date: str | None = None) -> str:
    return not_built("rpp_enforce")


@shared_task(name="security.tasks.renew_bonds", **RETRY_POLICY)
def renew_bonds(date: str | None = None) -> str:
    return not_built("renew_bonds")
