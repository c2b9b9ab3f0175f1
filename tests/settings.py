"""Settings for the test suite: production settings plus what a test run needs.

PostgreSQL and Redis are real (from DATABASE_URL / REDIS_URL, which `make test` provides).
"""

import os
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "x" * 40)
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("CARM_HTTPS", "false")
os.environ.setdefault("CARM_REQUIRE_MFA", "false")
# A Fernet key for bank account numbers (carm/crypto.py): "test-only-field-key-xxxxxxxxxxxx".
os.environ.setdefault("CARM_FIELD_KEYS", "dGVzdC1vbmx5LWZpZWxkLWtleS14eHh4eHh4eHh4eHg=")

from carm.settings import *  # noqa: F403
from carm.settings import INSTALLED_APPS, REDIS_TIMEOUTS, REDIS_URL, celery_redis_url

if "demo" not in INSTALLED_APPS:
    INSTALLED_APPS = [*INSTALLED_APPS, "demo"]


def redis_database(url: str, number: int) -> str:
    """The same Redis server, another numbered database: tests never touch the portal's."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = {**parse_qs(parts.query), "db": [str(number)]}
        return f"unix://{parts.path}?{urlencode(query, doseq=True)}"
    return urlunsplit(parts._replace(path=f"/{number}"))


# Two test runs on one machine each need a database of their own: the cache is flushed
# around every test. CARM_TEST_REDIS_DB names another one than 15. The suite's parallel
# workers (pytest-xdist: gw0, gw1, …) count down from it, one database each, as
# pytest-django gives each its own PostgreSQL database (test_carm_gw0, …).
XDIST_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
TEST_REDIS_URL = redis_database(
    REDIS_URL, int(os.environ.get("CARM_TEST_REDIS_DB", "15")) - XDIST_WORKER
)
CACHES = {
    "default": {
        "BACKEND": "carm.cache.ResilientRedisCache",
        "LOCATION": TEST_REDIS_URL,
        "KEY_PREFIX": "carm-test",
        "OPTIONS": REDIS_TIMEOUTS,
    }
}
CELERY_BROKER_URL = celery_redis_url(TEST_REDIS_URL)
CELERY_RESULT_BACKEND = celery_redis_url(TEST_REDIS_URL)
# Tasks run in the test process unless a test starts a real worker (or, for the processes
# tests/test_stack.py starts, CARM_TEST_EAGER=false: they go to the broker).
CELERY_TASK_ALWAYS_EAGER = os.environ.get("CARM_TEST_EAGER", "true") == "true"
CELERY_TASK_EAGER_PROPAGATES = True

# Hashing a password with Argon2 costs ~50 ms; tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Documents go to a folder of the test run's own, emptied at its end (tests/conftest.py).
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="carm-test-media-"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A Celery worker started by a test is another process: it writes its mail to files.
if os.environ.get("CARM_TEST_EMAIL_DIR"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["CARM_TEST_EMAIL_DIR"]
CARM_BASE_URL = "http://testserver"
# Threads (the live server) and worker processes must not keep connections to the test
# database open past their test.
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CARM_TEST_CONN_MAX_AGE", "0"))  # noqa: F405
# The suite reads the test database only, whatever DATABASE_REPLICA_URL says: the tests
# declare no other database, and tests/test_replica.py starts a replica of its own.
DATABASES.pop("replica", None)  # noqa: F405
# A worker started by tests/test_stack.py looks for tasks whose worker died every second.
if os.environ.get("CARM_TEST_RESTORE_EVERY_SECOND") == "true":
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }

# Every HTML page any test renders is checked against the Content Security Policy.
MIDDLEWARE = ["tests.csp.CheckContentSecurityPolicy", *MIDDLEWARE]  # noqa: F405
