"""Read replicas (docs/scaling.md, "Read replicas").

With `DATABASE_REPLICA_URL` set, the database alias `replica` is a streaming replica of
the primary. Every read and every write goes to the primary, except the reads a heavy
read-only path runs through `replica_read` (or streams through `replica_rows`): the
history pages and API, the CSV exports, the statements' PDF and CSV, the annual review's
highest months. Nothing that decides money or access reads the replica: those paths ask
the authorization module before they open the scope.

Three rules keep a replica from changing what anyone sees:
- read-your-writes: for `CARM_READ_YOUR_WRITES_SECONDS` after a session's own change
  (a successful POST, PUT, PATCH or DELETE), its heavy reads go to the primary too
  (`ReadYourWritesMiddleware` marks the session; a GET only reads the mark);
- a replica that fails (down, refusing, a query cancelled by recovery) is left alone for
  `CARM_REPLICA_RETRY_SECONDS` by this process, and the read that failed runs again on
  the primary;
- without `DATABASE_REPLICA_URL` there is no `replica` alias, the router sends everything
  to the primary and the middleware is not used: the portal is as it was.
"""

import contextvars
import itertools
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.connection import ConnectionDoesNotExist

logger = logging.getLogger(__name__)

REPLICA = "replica"
# The session's last change, seconds since the epoch (time.time()).
WROTE_AT = "_carm_wrote_at"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

T = TypeVar("T")

_on_replica = contextvars.ContextVar("carm_reads_on_replica", default=False)
# Per process: until when (time.monotonic()) the replica is left alone after a failure.
_replica_down_until = 0.0


def replica_configured() -> bool:
    try:
        connections[REPLICA]
    except ConnectionDoesNotExist:
        return False
    return True


class ReplicaRouter:
    """Django's router API (docs: "Multiple databases", "Automatic database routing"):
    reads on the replica only inside a `replica_read` scope, all else on the primary."""

    def db_for_read(self, model, **hints) -> str:
        return REPLICA if _on_replica.get() else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # The same rows on both: an account read on the primary filters postings read on
        # the replica.
        return {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA} or None

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS


def wrote_recently(request: HttpRequest | None) -> bool:
    """Whether the request's session changed something in the last
    CARM_READ_YOUR_WRITES_SECONDS (read-your-writes)."""
    session = getattr(request, "session", None)
    if session is None:
        return False
    wrote_at = session.get(WROTE_AT)
    return wrote_at is not None and time.time() - wrote_at < settings.CARM_READ_YOUR_WRITES_SECONDS


def replica_serves(request: HttpRequest | None = None) -> bool:
    """Whether a heavy read may go to the replica now: there is one, it has not failed
    lately, and the session (if any) has not just changed something."""
    return (
        replica_configured()
        and time.monotonic() >= _replica_down_until
        and not wrote_recently(request)
    )


@contextmanager
def _replica_scope() -> Iterator[None]:
    token = _on_replica.set(True)
    try:
        yield
    finally:
        _on_replica.reset(token)


def _replica_failed(error: Exception) -> None:
    """Leave the replica alone for a while; drop its connection, which may be broken."""
    global _replica_down_until
    _replica_down_until = time.monotonic() + settings.CARM_REPLICA_RETRY_SECONDS
    logger.warning("replica failed, reading from the primary: %s", error)
    with suppress(OperationalError, InterfaceError):
        connections[REPLICA].close()


def replica_read(read: Callable[[], T], *, request: HttpRequest | None = None) -> T:
    """`read()` with its queries on the replica when it may serve (`replica_serves`);
    when the replica fails, `read()` again on the primary. `read` evaluates what it
    reads (a list, a rendered document), since a lazy queryset would run after the
    scope, on the primary."""
    if not replica_serves(request):
        return read()
    try:
        with _replica_scope():
            return read()
    except (OperationalError, InterfaceError) as error:
        _replica_failed(error)
        return read()


def replica_rows(
    queryset: QuerySet, *, request: HttpRequest | None = None, chunk_size: int = 2000
) -> Iterator:
    """The queryset's rows, streamed (a server-side cursor) from the replica when it may
    serve. The first chunk is read here, before any byte of the answer is sent, so a
    replica that is down is replaced by the primary while that can still be done."""
    if not replica_serves(request):
        return queryset.iterator(chunk_size=chunk_size)
    rows = queryset.using(REPLICA).iterator(chunk_size=chunk_size)
    try:
        first = list(itertools.islice(rows, 1))
    except (OperationalError, InterfaceError) as error:
        _replica_failed(error)
        return queryset.using(DEFAULT_DB_ALIAS).iterator(chunk_size=chunk_size)
    return itertools.chain(first, rows)


class ReadYourWritesMiddleware:
    """Marks a session that has just changed something (an unsafe method answered below
    400), so that its heavy reads stay on the primary for CARM_READ_YOUR_WRITES_SECONDS.
    Requests without a session (an API key's) are not marked; a GET writes nothing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not replica_configured():
            raise MiddlewareNotUsed("No DATABASE_REPLICA_URL: every read is on the primary.")
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if (
            request.method in UNSAFE_METHODS
            and response.status_code < 400
            and session is not None
            and session.session_key is not None
        ):
            session[WROTE_AT] = time.time()
        return response
