"""What every Celery task of the portal shares, and the outbox that queues them."""

import datetime
import logging
import uuid
from functools import partial

import redis.exceptions
from celery import current_app, shared_task
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db import OperationalError as DatabaseOperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from carm.models import OutboxMessage

logger = logging.getLogger(__name__)

# Transient failures are retried with backoff, a bounded number of times.
RETRY_POLICY = {
    "autoretry_for": (DatabaseOperationalError, BrokerError, ConnectionError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}

# What a publish raises when the broker is down or unreachable.
BROKER_DOWN = (
    BrokerError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    OSError,
)

# A message younger than this is still being published by the request that wrote it.
OUTBOX_GRACE = datetime.timedelta(seconds=settings.CARM_OUTBOX_GRACE_SECONDS)
OUTBOX_BATCH = 500
OUTBOX_KEEP = datetime.timedelta(days=7)
# One attempt, no retries: the outbox retries. No result is kept: the Redis result
# backend would subscribe to each task's result first, and retry that for 20 seconds
# when Redis is down before giving up for the life of the process.
PUBLISH_OPTIONS = {"retry": False, "ignore_result": True}


def enqueue_on_commit(task_name: str, *, args: list, task_id: str | None = None) -> None:
    """Queue a task by its name once the surrounding transaction commits. A service hands
    work to a task this way without importing the task module, which calls services.

    The task is an outbox row written in the caller's transaction: committed with the
    change or not at all. After the commit it is published once, without retries; if the
    broker does not answer, the request goes on and `outbox_drain` publishes it later."""
    message = OutboxMessage.objects.create(
        task_name=task_name, args=args, task_id=task_id or str(uuid.uuid4())
    )
    transaction.on_commit(partial(publish, message))


def publish(message: OutboxMessage) -> bool:
    """Hand one outbox message to the broker; whether it took it. Never raises for a
    broker or database that is down: the message stays unsent for the drain."""
    signature = current_app.signature(message.task_name, args=message.args)
    try:
        signature.apply_async(**PUBLISH_OPTIONS, task_id=message.task_id)
    except BROKER_DOWN as error:
        logger.warning(
            "broker unavailable, %s %s left in the outbox: %s",
            message.task_name,
            message.task_id,
            error,
        )
        return False
    try:
        OutboxMessage.objects.filter(pk=message.pk).update(sent_at=timezone.now())
    except DatabaseError as error:  # published: a second publish would be harmless
        logger.warning("outbox %s published but not marked: %s", message.task_id, error)
    return True


@shared_task(name="carm.tasks.outbox_drain")
def outbox_drain() -> int:
    """Publish what the broker missed, oldest first (beat runs it every minute); returns
    how many messages left. Stops at the first broker failure and tries again next time.
    Rows sent more than a week ago are deleted."""
    cutoff = timezone.now() - OUTBOX_GRACE
    sent = 0
    with transaction.atomic():
        pending = list(
            OutboxMessage.objects.filter(sent_at__isnull=True, created_at__lte=cutoff)
            .order_by("pk")
            .select_for_update(skip_locked=True)[:OUTBOX_BATCH]
        )
        for message in pending:
            signature = current_app.signature(message.task_name, args=message.args)
            try:
                signature.apply_async(**PUBLISH_OPTIONS, task_id=message.task_id)
            except BROKER_DOWN as error:
                logger.warning("broker still unavailable, outbox drain stops: %s", error)
                OutboxMessage.objects.filter(pk=message.pk).update(attempts=message.attempts + 1)
                break
            OutboxMessage.objects.filter(pk=message.pk).update(
                sent_at=timezone.now(), attempts=message.attempts + 1
            )
            sent += 1
    OutboxMessage.objects.filter(sent_at__lt=timezone.now() - OUTBOX_KEEP).delete()
    if sent:
        logger.info("outbox drain published %d messages", sent)
    return sent
