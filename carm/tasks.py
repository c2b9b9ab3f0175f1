"""What every Celery task of the portal shares."""

from django.db import OperationalError as DatabaseError
from kombu.exceptions import OperationalError as BrokerError

# Transient failures are retried with backoff, a bounded number of times.
RETRY_POLICY = {
    "autoretry_for": (DatabaseError, BrokerError, ConnectionError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}
