"""Settings for the CARM Portal, read from the environment (twelve-factor).

Production is the default: DEBUG is off, a real SECRET_KEY is required, HTTPS is enforced.
`make run` and `make test` export the variables a developer machine needs.
"""

import base64
import hashlib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from carm.observability import configure_structlog, logging_config, sentry_init

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "carm-development-only-key-never-used-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Identity checks and MFA enrolment before any account page; demo mode turns it off.
CARM_REQUIRE_MFA = env.bool("CARM_REQUIRE_MFA", default=True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Third party
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from the portal, not a CDN
    "django_filters",
    "django_celery_beat",
    "django_htmx",
    "csp",
    "pgtrigger",
    "pghistory",
    "rules.apps.AutodiscoverRulesConfig",
    # The portal
    "accounts",
    "delegation",
    "financial",
    "security",
    "notifications",
    "enrolment",
    "cases",
    "payments",
    "carm",  # the outbox (carm/models.py)
]
# The demo personas and history, and benchmark data: `make run`, the tests and the
# benches only. The production image has neither the app nor what it needs.
if env.bool("CARM_DEMO", default=False):
    INSTALLED_APPS += ["demo"]

MIDDLEWARE = [
    # One id a request, in every log line and the X-Request-ID header (carm/observability.py).
    "carm.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The policy goes on every answer, the ones of the middleware below included.
    "csp.middleware.CSPMiddleware",
    "carm.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # A session that changed something reads its own writes (carm/db.py); not used
    # without a replica.
    "carm.db.ReadYourWritesMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # DEBUG only: the portal's 404 page instead of Django's list of URL patterns.
    "carm.middleware.PortalNotFoundMiddleware",
    # The last portal page's language, for the pages without a prefix (the admin).
    "carm.middleware.RememberLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every tracked change made by a request records who made it.
    "pghistory.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # 30 minutes idle, 12 hours in all, "sign out everywhere" (accounts/middleware.py).
    "accounts.middleware.SessionLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.RequireMFAMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "carm.urls"
# A declaration of 200 lines (financial.calculation.MAX_LINES) posts 11 fields a line;
# Django's default of 1,000 fields would refuse one of 91 lines.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2500
WSGI_APPLICATION = "carm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # The portal's money and date filters, in every template (carm/formats.py).
            "builtins": ["carm.templatetags.formats"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "carm.context_processors.portal",
                "notifications.context_processors.unread_notifications",
            ],
        },
    },
]

# --- Data stores -----------------------------------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/carm")
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL database.")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# No JIT compilation: PostgreSQL compiles a statement whose estimated cost is high, which
# for the portal's statements costs more than it saves (at 100,000 accounts, 184 ms of a
# 220 ms read of who hears of an annual review; bench/README.md, "National scale").
# Options written in DATABASE_URL come first.
POSTGRES_OPTIONS = {"options": "-c jit=off"}
DATABASES["default"]["OPTIONS"] = {**POSTGRES_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
# A streaming replica for the heavy read-only paths, when there is one (carm/db.py,
# docs/scaling.md "Read replicas"). Without it there is no "replica" alias: every query
# goes to the primary.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **env.db_url_config(DATABASE_REPLICA_URL),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "ATOMIC_REQUESTS": False,
    }
    # A replica that is gone costs a request at most this long before the primary reads.
    DATABASES["replica"]["OPTIONS"] = {
        **POSTGRES_OPTIONS,
        "connect_timeout": 2,
        **DATABASES["replica"].get("OPTIONS", {}),
    }
DATABASE_ROUTERS = ["carm.db.ReplicaRouter"]
# After a session's own change, its heavy reads stay on the primary this long, longer
# than the replica's lag (docs/scaling.md).
CARM_READ_YOUR_WRITES_SECONDS = env.int("CARM_READ_YOUR_WRITES_SECONDS", default=10)
# A replica that failed is left alone this long by each process before it is tried again.
CARM_REPLICA_RETRY_SECONDS = env.int("CARM_REPLICA_RETRY_SECONDS", default=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")


def celery_redis_url(url: str) -> str:
    """Celery names a Unix-socket Redis `redis+socket://`; redis-py calls it `unix://`."""
    parts = urlsplit(url)
    if parts.scheme != "unix":
        return url
    database = parse_qs(parts.query).get("db", ["0"])[0]
    return f"redis+socket://{parts.path}?virtual_host={database}"


# A Redis that is down costs a request at most this long before the cache counts in
# memory (carm/cache.py); on loopback a stopped Redis refuses at once.
REDIS_TIMEOUTS = {"socket_connect_timeout": 1, "socket_timeout": 2}
CACHES = {
    "default": {
        "BACKEND": "carm.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "carm",
        "OPTIONS": REDIS_TIMEOUTS,
    }
}

# --- Authentication --------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_RATE_LIMITS = {
    # Five wrong passwords for one address lock it for fifteen minutes.
    "login_failed": "20/m/ip,5/15m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "CARM Portal"
# One 30-second step either side (RFC 6238 §5.2): a code typed as it rolls over, or from a
# phone whose clock is a few seconds off, is still the person's.
MFA_TOTP_TOLERANCE = 1
MFA_RECOVERY_CODE_COUNT = 10

# django-axes watches the officers' door: the admin login.
AXES_ONLY_ADMIN_SITE = True
AXES_HANDLER = "accounts.axes.AdminOnlyDatabaseHandler"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hour
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "accounts.axes.login_identifier"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"

# --- Internationalization --------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "America/Toronto"
# What Django writes itself with its date formats; the portal writes through carm/formats.py.
FORMAT_MODULE_PATH = ["carm.django_formats"]
USE_TZ = True

# --- Static files ----------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / ".local" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded documents (cases): never served from a public URL, only through the portal's
# views that ask the authorization module. The file system under MEDIA_ROOT by default;
# any S3-compatible store when CARM_S3_BUCKET is set (django-storages). No URL serves
# MEDIA_ROOT: there is no media route.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / ".local" / "media")
DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if env.str("CARM_S3_BUCKET", default=""):
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("CARM_S3_BUCKET"),
            "endpoint_url": env.str("CARM_S3_ENDPOINT_URL", default=None),
            "region_name": env.str("CARM_S3_REGION", default=None),
            "access_key": env.str("CARM_S3_ACCESS_KEY", default=None),
            "secret_key": env.str("CARM_S3_SECRET_KEY", default=None),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Files browsers ask for at the site's root (/favicon.ico).
WHITENOISE_ROOT = BASE_DIR / "static" / "root"

# --- Email -----------------------------------------------------------------------------

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CARM Portal <no-reply@carm.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security headers ------------------------------------------------------------------

X_FRAME_OPTIONS = "DENY"
# Content Security Policy (django-csp): scripts and styles from the portal only, never
# inline. The GC Design System's components add their styles with the page's nonce
# (Stencil reads it from <meta name="csp-nonce">, templates/base.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# A session lasts at most 12 hours, and 30 minutes without a request
# (accounts.middleware.SessionLimitsMiddleware).
SESSION_COOKIE_AGE = 60 * 60 * 12
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie.

HTTPS = env.bool("CARM_HTTPS", default=not DEBUG)
if HTTPS:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # The load balancer's and the compose health check ask over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True

# --- API -------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["carm.throttling.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": env.str("API_RATE", default="600/minute")},
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "EXCEPTION_HANDLER": "carm.api.api_exception_handler",
    # JSON numbers read as exact decimals (carm/api.py).
    "DEFAULT_PARSER_CLASSES": [
        "carm.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "carm.api.CursorPages",
    # `?format=csv` asks an endpoint for its CSV export, not for a DRF renderer.
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CARM Portal API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Bodies are JSON (the form parsers stay for the browser's session, undocumented).
    "PARSER_WHITELIST": ["carm.api.JSONParser"],
    # Every operation documents the error answers it can give (carm/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "carm.schema.add_error_responses",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "DeclarationStatusEnum": "financial.models.Declaration.Status",
        "DeclarationVersionStatusEnum": "financial.models.DeclarationVersion.Status",
        "RelationshipStatusEnum": "delegation.models.Relationship.Status",
        "ProgramAccountStatusEnum": "accounts.models.ProgramAccount.Status",
        "CaseKindEnum": "cases.models.Case.Kind",
        "CaseStatusEnum": "cases.models.Case.Status",
        "PostingKindEnum": "financial.models.PostingKind",
    },
}

# --- Celery ----------------------------------------------------------------------------

CELERY_BROKER_URL = celery_redis_url(env.str("CELERY_BROKER_URL", default=REDIS_URL))
CELERY_RESULT_BACKEND = celery_redis_url(env.str("CELERY_RESULT_BACKEND", default=REDIS_URL))
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
# The longest task is a whole job run in one task (issue_statements: 7.7 s for 10,002
# accounts, bench/README.md); the chunked jobs take ~0.2 s a chunk. Four minutes is that
# job at fifty times the size (docs/operations.md, "Celery").
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=4 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
# A task is acknowledged once done, so a worker that dies mid-task hands it to another.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes the database connection around every task unless told to
# reuse it; carm/celery.py gives tasks the lifecycle of requests instead (CONN_MAX_AGE,
# CONN_HEALTH_CHECKS). A new connection per task costs the job's chunks ~10 ms each and
# cold caches on the server.
CELERY_DB_REUSE_MAX = 10_000
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task taken by a worker that died comes back to another after this long (Celery,
# "Using Redis: visibility timeout"). It must exceed the time limit, or a task still running
# would be handed out twice: one minute above it.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 60),
    "socket_connect_timeout": REDIS_TIMEOUTS["socket_connect_timeout"],
    # A publish to a broker that is down fails at once (kombu's default channel retries
    # for seconds): the outbox publishes it later (carm/tasks.py).
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_TIMEOUTS["socket_connect_timeout"]
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The outbox's drain leaves alone what is younger than this: the request that wrote it is
# still publishing it (carm/tasks.py).
CARM_OUTBOX_GRACE_SECONDS = env.int("CARM_OUTBOX_GRACE_SECONDS", default=30)
CELERY_BEAT_SCHEDULE = {
    # Tasks the broker missed when they were queued (carm/tasks.py, the outbox).
    "outbox-drain": {
        "task": "carm.tasks.outbox_drain",
        "schedule": env.float("CARM_OUTBOX_DRAIN_SECONDS", default=60.0),
    },
    "rpp-annual-review": {
        "task": "security.tasks.rpp_annual_review",
        "schedule": crontab(minute="0", hour="2", day_of_month="20", month_of_year="10"),
    },
    "rpp-enforcement": {
        "task": "security.tasks.rpp_enforce",
        "schedule": crontab(minute="5", hour="0", day_of_month="16", month_of_year="1"),
    },
    "issue-statements": {
        "task": "financial.tasks.issue_statements",
        "schedule": crontab(minute="0", hour="1", day_of_month="25"),
    },
    # The postings' monthly partitions, made months ahead (financial/partitions.py).
    "posting-partitions": {
        "task": "financial.tasks.posting_partitions_ahead",
        "schedule": crontab(minute="30", hour="0"),
    },
    "accrue-interest": {
        "task": "financial.tasks.accrue_interest",
        "schedule": crontab(minute="0", hour="3"),
    },
    "bond-renewals": {
        "task": "security.tasks.renew_bonds",
        "schedule": crontab(minute="0", hour="4"),
    },
    # Each statement due today is debited from its account's PAD agreement.
    "pad-run": {
        "task": "payments.tasks.pad_run",
        "schedule": crontab(minute="30", hour="5"),
    },
    "case-reminders": {
        "task": "cases.tasks.case_reminders",
        "schedule": crontab(minute="0", hour="6"),
    },
    # Beyond CARM: a weekly word when the next review will ask for more than is posted.
    "rpp-forecast-nudge": {
        "task": "security.tasks.rpp_forecast_nudge",
        "schedule": crontab(minute="0", hour="7", day_of_week="1"),
    },
}

# --- Pre-authorized debits ---------------------------------------------------------------

# Keys that encrypt bank account numbers at rest, newest first (carm/crypto.py).
CARM_FIELD_KEYS = env.list("CARM_FIELD_KEYS", default=[])
if not CARM_FIELD_KEYS and DEBUG:
    # Development and tests only: a key derived from the development SECRET_KEY.
    CARM_FIELD_KEYS = [
        base64.urlsafe_b64encode(hashlib.sha256(f"fields:{SECRET_KEY}".encode()).digest()).decode()
    ]
# CBSA as the originator of CPA Standard 005 debit files (docs/cpa005.md): the numbers its
# bank assigns, the names on the payor's statement, where returned items go.
CARM_PAD_ORIGINATOR = {
    "originator_id": env.str("CARM_PAD_ORIGINATOR_ID", default="0000000000"),
    "destination_data_centre": env.str("CARM_PAD_DATA_CENTRE", default="00000"),
    "originator_short_name": env.str("CARM_PAD_SHORT_NAME", default="CBSA-ASFC"),
    "originator_long_name": env.str("CARM_PAD_LONG_NAME", default="Canada Border Services Agency"),
    "return_institution": env.str("CARM_PAD_RETURN_INSTITUTION", default="001"),
    "return_transit": env.str("CARM_PAD_RETURN_TRANSIT", default="00011"),
    "return_account": env.str("CARM_PAD_RETURN_ACCOUNT", default="0000000"),
}

# --- Logging and error reports -----------------------------------------------------------

# JSON lines with the request's (or the task's) id; plain text when developing.
LOGGING = logging_config(
    env.str("LOG_LEVEL", default="INFO"), json=env.bool("LOG_JSON", default=not DEBUG)
)
configure_structlog()
# The worker keeps this configuration instead of installing its own (Celery,
# "worker_hijack_root_logger").
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    sentry_init(
        SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

ADMIN_URL = env.str("ADMIN_URL", default="admin/")
CARM_BASE_URL = env.str("CARM_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
