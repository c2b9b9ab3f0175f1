"""The Celery app and its beat schedule (America/Toronto)."""

from types import SimpleNamespace

import django.db
import pytest
from celery.schedules import crontab
from celery.signals import task_postrun, task_prerun
from django.conf import settings

from carm.celery import app

app.loader.import_default_modules()  # what a worker does at start: find every tasks.py

EXPECTED = {
    "rpp-annual-review": (
        "security.tasks.rpp_annual_review",
        crontab(minute="0", hour="2", day_of_month="20", month_of_year="10"),
    ),
    "rpp-enforcement": (
        "security.tasks.rpp_enforce",
        crontab(minute="5", hour="0", day_of_month="16", month_of_year="1"),
    ),
    "issue-statements": (
        "financial.tasks.issue_statements",
        crontab(minute="0", hour="1", day_of_month="25"),
    ),
    "accrue-interest": ("financial.tasks.accrue_interest", crontab(minute="0", hour="3")),
    "bond-renewals": ("security.tasks.renew_bonds", crontab(minute="0", hour="4")),
}


def test_the_app_speaks_json_on_toronto_time_with_limits():
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.timezone == "America/Toronto"
    assert app.conf.task_time_limit and app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert app.conf.task_acks_late is True
    assert app.conf.broker_url.startswith(("redis://", "redis+socket://"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_beat_runs_each_job_on_the_contract_schedule(name):
    task, schedule = EXPECTED[name]
    entry = settings.CELERY_BEAT_SCHEDULE[name]
    assert entry["task"] == task
    assert entry["schedule"] == schedule
    assert task in app.tasks, f"{task} is not a registered task"


@pytest.mark.django_db(transaction=True)  # the scheduler closes and reopens connections
def test_beat_schedule_loads_into_the_database_scheduler():
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    DatabaseScheduler(app=app).setup_schedule()
    stored = PeriodicTask.objects.filter(name__in=EXPECTED)
    assert {task.name: task.task for task in stored} == {n: t for n, (t, _) in EXPECTED.items()}
    review = stored.get(name="rpp-annual-review").crontab
    assert (review.minute, review.hour, review.day_of_month, review.month_of_year) == (
        "0",
        "2",
        "20",
        "10",
    )
    assert str(review.timezone) == "America/Toronto"


class Task:
    def __init__(self, is_eager: bool) -> None:
        self.request = SimpleNamespace(is_eager=is_eager)


def test_tasks_keep_their_database_connection_as_requests_do(monkeypatch):
    """Celery's Django fixup would close the connection around every task; it is told to
    leave it, and each task drops it only when Django would at a request (broken, or
    older than CONN_MAX_AGE)."""
    from celery.fixups.django import DjangoWorkerFixup

    assert DjangoWorkerFixup(app).db_reuse_max >= 1000
    calls = []
    monkeypatch.setattr(django.db, "close_old_connections", lambda: calls.append("closed?"))
    queued, eager = Task(is_eager=False), Task(is_eager=True)
    for task in (queued, eager):
        task_prerun.send(sender=task, task_id="t", task=task, args=(), kwargs={})
        task_postrun.send(sender=task, task_id="t", task=task, args=(), kwargs={}, retval=None)
    assert calls == ["closed?", "closed?"]  # before and after the queued task only
