"""Logs as JSON lines carrying the request's id, and errors reported to Sentry when
SENTRY_DSN is set (docs/operations.md, "Logs and errors").

Every log record, the portal's and Django's, Celery's and the libraries' alike, goes
through structlog's ProcessorFormatter (structlog, "Standard Library Logging": "Rendering
using structlog-based formatters within logging") and comes out as one JSON object a line,
with the request id bound for the request by RequestIdMiddleware (or the task id, in a
Celery worker).
"""

import logging
import re
import uuid
from collections.abc import Callable

import structlog
from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
# An id the load balancer sent is kept when it looks like one; anything else is replaced.
ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._-]{8,100}")

SHARED_PROCESSORS = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def logging_config(level: str, *, json: bool) -> dict:
    """The LOGGING setting: JSON lines (production), or the same records as plain text."""
    renderer = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    renderer,
                ],
                "foreign_pre_chain": SHARED_PROCESSORS,
            }
        },
        "filters": {"expected_refusals": {"()": ExpectedRefusals}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            "axes": {"level": "WARNING"},
            "django.request": {"filters": ["expected_refusals"]},
            # Django's own console and mail handlers would say each line a second time;
            # its records reach the root handler like every other.
            "django": {"handlers": [], "level": "INFO"},
        },
    }


class ExpectedRefusals(logging.Filter):
    """A refused or missing page (a 4xx) is the portal working as meant: one line saying
    so, without the traceback Django attaches to a 403. Errors (5xx) keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True


def configure_structlog() -> None:
    """structlog's own loggers hand their events to the standard library's handlers."""
    structlog.configure(
        processors=[*SHARED_PROCESSORS, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


class RequestIdMiddleware:
    """First in the stack: one id a request, in every log line it writes, in the
    `X-Request-ID` answer header and in Sentry's report of its error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = given if ACCEPTABLE_ID.fullmatch(given) else uuid.uuid4().hex
        request.request_id = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            request_id=request_id, method=request.method, path=request.path
        )
        _sentry_tag("request_id", request_id)
        # Left bound after the answer: Django logs a 4xx or 5xx once the middleware has
        # returned (django.core.handlers.base.get_response); the next request rebinds.
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


def bind_task(task_id: str | None = None, task=None, **kwargs) -> None:
    """Celery's task_prerun: the task's log lines carry its id and name."""
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(task_id=task_id, task=getattr(task, "name", None))
    _sentry_tag("task_id", task_id)


def unbind_task(**kwargs) -> None:
    structlog.contextvars.clear_contextvars()


def _sentry_tag(name: str, value) -> None:
    try:
        import sentry_sdk
    except ImportError:  # pragma: no cover - a dependency, but never required to log
        return
    sentry_sdk.set_tag(name, value)


def sentry_init(dsn: str, *, environment: str, traces_sample_rate: float, **options) -> None:
    """Report unhandled errors of requests and tasks to Sentry (sentry-sdk's Django and
    Celery integrations), with no personal information: users are named by id only."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        integrations=[
            DjangoIntegration(),
            CeleryIntegration(),
            LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
        ],
        **options,
    )
