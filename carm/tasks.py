"""What every Celery task of the portal shares."""

import logging

from django.db import OperationalError as DatabaseError
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)

# Transient failures are retried with backoff, a bounded number of times.
RETRY_POLICY = {
    "autoretry_for": (DatabaseError, BrokerError, ConnectionError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


def not_built(job: str) -> str:
    """The answer of a scheduled job whose service is not there yet."""
    message = f"{job}: not implemented yet; nothing done."
    logger.warning(message)
    return message
