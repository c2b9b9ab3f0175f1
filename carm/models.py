"""What every app keeps alike: amounts of money (MONEY), and the transactional outbox: a
task queued by a service is first a row written in the service's own transaction, so that
a broker that is down loses nothing and holds up nobody (docs/operations.md, "Redis
down")."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# How the portal keeps an amount of money: dollars and cents, up to $999,999,999,999.99.
MONEY = {"max_digits": 14, "decimal_places": 2}


class OutboxMessage(models.Model):
    """One task to hand to the Celery workers. Written with the change that asks for it;
    published after the commit, or by the beat job `carm.tasks.outbox_drain` when the
    broker did not answer then. `sent_at` is set once the broker took it."""

    task_name = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list)
    # The task's id: a message published twice runs under one id, and each task the
    # portal queues this way is idempotent (docs/rules.md §8).
    task_id = models.CharField(_("task id"), max_length=255)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(sent_at__isnull=True), name="outbox_unsent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_name} {self.task_id}"
