"""The Celery application: Redis broker, JSON only, time limits from settings."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

from carm.observability import bind_task, unbind_task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carm.settings")

app = Celery("carm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# A task's log lines carry its id and name (carm/observability.py).
task_prerun.connect(bind_task)
task_postrun.connect(unbind_task)


@task_prerun.connect
@task_postrun.connect
def close_old_connections(task=None, **kwargs) -> None:
    """Before and after each task, as Django does around each request: drop a database
    connection that is broken or older than CONN_MAX_AGE, keep the others (settings
    CELERY_DB_REUSE_MAX stops Celery from closing it every time)."""
    if task is not None and not getattr(task.request, "is_eager", False):
        from django.db import close_old_connections

        close_old_connections()
