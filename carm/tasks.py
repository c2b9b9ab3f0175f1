"""What every Celery task of the portal shares."""

from functools import partial

from celery import current_app
from django.db import OperationalError as DatabaseError
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

# Transient failures are retried with backoff, a bounded number of times.
RETRY_POLICY = {
    "autoretry_for": (DatabaseError, BrokerError, ConnectionError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


def enqueue_on_commit(task_name: str, *, args: list, task_id: str | None = None) -> None:
    """Queue a task by its name once the surrounding transaction commits. A service hands
    work to a task this way without importing the task module, which calls services."""
    signature = current_app.signature(task_name, args=args, task_id=task_id)
    transaction.on_commit(partial(signature.apply_async))
