"""Settings come from the environment, and production has no insecure defaults."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "carm.example.ca",
    "DATABASE_URL": "postgres://carm:secret@db.example.ca:5432/carm",
    "REDIS_URL": "redis://cache.example.ca:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.ca:587",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in PRODUCTION and not k.startswith("CARM_")
    }
    clean["DJANGO_SETTINGS_MODULE"] = "carm.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_passes_with_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {**PRODUCTION, "SECRET_KEY": ""}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_only_postgresql_is_accepted():
    result = manage("check", env={**PRODUCTION, "DATABASE_URL": "sqlite:///carm.sqlite3"})
    assert result.returncode != 0
    assert "DATABASE_URL must name a PostgreSQL database" in result.stderr


def test_argon2_hashes_passwords_in_the_portal():
    import carm.settings

    assert carm.settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_cache_is_redis_not_a_dummy(settings):
    from django.core.cache import cache

    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    cache.set("probe", "value")
    assert cache.get("probe") == "value"


@pytest.mark.django_db
def test_responses_carry_the_security_headers(client):
    response = client.get("/en/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        ("unix:///srv/redis.sock?db=3", "redis+socket:///srv/redis.sock?virtual_host=3"),
        ("unix:///srv/redis.sock", "redis+socket:///srv/redis.sock?virtual_host=0"),
    ],
)
def test_celery_names_a_unix_socket_redis_its_own_way(url, expected):
    from carm.settings import celery_redis_url

    assert celery_redis_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/15"),
        ("redis://:pw@cache:6380", "redis://:pw@cache:6380/15"),
        ("unix:///srv/redis.sock?db=0", "unix:///srv/redis.sock?db=15"),
        ("unix:///srv/redis.sock", "unix:///srv/redis.sock?db=15"),
    ],
)
def test_tests_use_their_own_redis_database(url, expected):
    from tests.settings import redis_database

    assert redis_database(url, 15) == expected


def test_production_has_no_demo_and_no_clock_travel():
    """seed_demo and generate_load are development tools: without CARM_DEMO the app is not
    installed, and the production dependencies do not include time-machine."""
    import tomllib

    result = manage("help", "--commands", env=PRODUCTION)
    assert result.returncode == 0, result.stderr
    commands = result.stdout.split()
    assert "seed_demo" not in commands and "generate_load" not in commands
    assert "rpp_annual_review" in commands
    demo = manage("help", "--commands", env={**PRODUCTION, "CARM_DEMO": "true"})
    assert "seed_demo" in demo.stdout.split()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not any(name.startswith("time-machine") for name in project["dependencies"])
    for app in ("carm", "accounts", "delegation", "financial", "security", "notifications", "demo"):
        for path in (ROOT / app).rglob("*.py"):
            assert "time_machine" not in path.read_text(), path
    assert {"demo", "tests", "bench"} <= set((ROOT / ".dockerignore").read_text().split())


def test_the_compose_stack_migrates_once_and_checks_every_process():
    import yaml

    stack = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    migrate = stack["migrate"]
    assert migrate["restart"] == "no" and "migrate" in migrate["command"]
    for name in ("web", "worker", "beat"):
        service = stack[name]
        assert service["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }, name
        assert "migrate" not in " ".join(service["command"]), name
        assert service["healthcheck"]["test"], name
    # No default database password: the stack refuses to start without one.
    for name in ("postgres", "web", "migrate"):
        environment = stack[name]["environment"]
        password = environment.get("POSTGRES_PASSWORD") or environment["DATABASE_URL"]
        assert "${POSTGRES_PASSWORD:?" in password, name


def test_the_health_check_answers_over_plain_http():
    """/healthz is exempt from the HTTPS redirect, so the container's own check passes."""
    script = (
        "import django, os; django.setup();"
        "from django.test import Client;"
        "print(Client().get('/healthz').status_code)"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CARM_")}
    env = {
        **clean,
        **PRODUCTION,
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": os.environ["REDIS_URL"],
        "DJANGO_SETTINGS_MODULE": "carm.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.stdout.strip() in {"200", "503"}, result.stdout + result.stderr


def test_production_cookies_are_all_secure():
    """The language cookie too, not only the session's and the CSRF one."""
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_SECURE, s.LANGUAGE_COOKIE_SECURE)",
        env=PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["True", "True", "True"]
