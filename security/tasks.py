"""Scheduled RPP work: the annual review (a chord of chunks), enforcement on January 16,
bond renewals daily, the forecast nudge weekly. Tasks take ids and call services."""

import datetime

from celery import chord, shared_task
from django.utils import timezone

from carm.tasks import RETRY_POLICY


@shared_task(name="security.tasks.rpp_annual_review", **RETRY_POLICY)
def rpp_annual_review(
    year: int | None = None, started_by: int | None = None, chunk_size: int | None = None
) -> str:
    """Fan the review out: one task per chunk of accounts, then the run's summary."""
    from security.review import review_run_start
    from security.rules import review_year_due

    year = int(year) if year else review_year_due(timezone.localdate())
    run, chunks = review_run_start(year=year, started_by_id=started_by, chunk_size=chunk_size)
    if not chunks:
        return rpp_review_finish.run([], run.pk)
    chord(rpp_review_chunk.s(year, ids, run.pk) for ids in chunks)(rpp_review_finish.s(run.pk))
    return f"rpp_annual_review {year}: {len(chunks)} chunks queued (run {run.pk})."


@shared_task(name="security.tasks.rpp_review_chunk", **RETRY_POLICY)
def rpp_review_chunk(year: int, ids: list[int], run_id: int) -> int:
    from security.review import review_chunk

    return review_chunk(year=year, ids=ids, run_id=run_id)


@shared_task(name="security.tasks.rpp_review_finish", **RETRY_POLICY)
def rpp_review_finish(created: list[int], run_id: int) -> str:
    from security.review import review_run_finish

    return str(review_run_finish(run_id=run_id))


def _day(date: str | None) -> datetime.date:
    return datetime.date.fromisoformat(date) if date else timezone.localdate()


@shared_task(name="security.tasks.rpp_enforce", **RETRY_POLICY)
def rpp_enforce(date: str | None = None) -> str:
    from security import services

    return str(services.rpp_enforce(day=_day(date)))


@shared_task(name="security.tasks.renew_bonds", **RETRY_POLICY)
def renew_bonds(date: str | None = None) -> str:
    from security.services import bonds_renew

    day = _day(date)
    return f"renew_bonds {day}: {bonds_renew(day=day)} bonds renewed."


@shared_task(name="security.tasks.rpp_forecast_nudge", **RETRY_POLICY)
def rpp_forecast_nudge(date: str | None = None) -> str:
    from security.services import forecast_nudge

    day = _day(date)
    return f"rpp_forecast_nudge {day}: {forecast_nudge(day=day)} notifications sent."
