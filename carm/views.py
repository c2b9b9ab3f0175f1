"""Liveness and readiness, for the load balancer and the compose health checks
(docs/operations.md, "Health")."""

import logging

from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

# A file every page links: without a collectstatic manifest naming it, every page fails.
STATIC_PROBE = "css/portal.css"


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return False
    return True


def _redis_answers() -> bool:
    """Redis itself, not the cache's in-memory stand-in (carm/cache.py)."""
    try:
        return cache.redis_answers()
    except Exception:
        return False


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness: this process serves and reaches its database. Redis is reported, but a
    portal whose Redis is down still serves (carm/cache.py, the outbox), so restarting
    it would not help: only readiness fails then."""
    status = {
        "database": "ok" if _database_answers() else "down",
        "redis": "ok" if _redis_answers() else "down",
    }
    return JsonResponse(status, status=200 if status["database"] == "ok" else 503)


_migrated = False


def _migrations_applied() -> bool:
    """No migration of the code is missing from the database (true once, true for good)."""
    global _migrated
    if not _migrated:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        _migrated = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _migrated


def _static_files_served() -> bool:
    """The pages' static files resolve (with a manifest storage: collectstatic ran)."""
    try:
        staticfiles_storage.url(STATIC_PROBE)
    except ValueError:
        return False
    return True


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """Readiness: everything a page needs is there; 503 names what is not."""
    checks = {"database": _database_answers(), "redis": _redis_answers()}
    try:
        checks["migrations"] = checks["database"] and _migrations_applied()
    except Exception:
        logger.exception("readiness: the migrations could not be read")
        checks["migrations"] = False
    checks["static_files"] = _static_files_served()
    status = {name: "ok" if passed else "failing" for name, passed in checks.items()}
    return JsonResponse(status, status=200 if all(checks.values()) else 503)
