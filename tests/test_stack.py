"""The portal as it runs in production: gunicorn, a Celery worker and beat, each its own
process, against the real PostgreSQL and a Redis of this test's own (a `redis-server` on
a free loopback port, so that stopping it touches nobody else's). Journeys go through
HTTP from outside, as a browser or a script would (issue 16, items 3 and 5).

Every wait is bounded: `wait_for` polls a condition and fails after its timeout.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg2
import pytest
import requests
from django.db import connection

from accounts.services.keys import api_key_create
from carm.models import OutboxMessage
from financial.models import Payment, Posting
from financial.selectors import ledger_mismatches
from notifications.models import Notification
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
REDIS_SERVER = shutil.which("redis-server")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server to run a Redis of its own"),
]


def wait_for(condition, *, timeout: float, what, step: float = 0.2):
    """Poll `condition` until it is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            what = what() if callable(what) else what
            raise AssertionError(f"{what}: still not so after {timeout} s")
        time.sleep(step)
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(application_name: str) -> str:
    """The test database this process uses, its connections named for pg_stat_activity."""
    db = connection.settings_dict
    host = db["HOST"] or "127.0.0.1"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (
        f"postgres://{db['USER']}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"
        f"?application_name={application_name}"
    )


class OwnRedis:
    """A Redis server for this test alone; stopped and started again at will."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for(self.answers, timeout=30, what="Redis answers")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        assert not self.answers()


@pytest.fixture
def own_redis(tmp_path):
    redis = OwnRedis(tmp_path)
    redis.start()
    yield redis
    if redis.process.poll() is None:
        redis.stop()


class Stack:
    """gunicorn, a worker and beat on the test settings, the test database and own_redis."""

    def __init__(self, folder: Path, redis: OwnRedis, **extra_env: str) -> None:
        self.port = free_port()
        self.mail = folder / "mail"
        self.mail.mkdir()
        self.logs = folder
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url("carm-stack"),
            "REDIS_URL": redis.url,
            "CARM_TEST_REDIS_DB": "0",
            "PYTEST_XDIST_WORKER": "gw0",  # database 0 of its own Redis, whichever worker
            "CARM_TEST_EAGER": "false",  # tasks go to the worker, as in production
            "CARM_TEST_EMAIL_DIR": str(self.mail),
            "CARM_OUTBOX_DRAIN_SECONDS": "1",
            "CARM_OUTBOX_GRACE_SECONDS": "2",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CARM_TEST_CONN_MAX_AGE": "60",  # connections kept, as in production
            **extra_env,
        }
        self.processes: dict[str, subprocess.Popen] = {}

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, name: str) -> None:
        celery = [sys.executable, "-m", "celery", "-A", "carm"]
        commands = {
            "web": [
                sys.executable,
                "-m",
                "gunicorn",
                "carm.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--timeout",
                "60",
            ],
            "worker": [
                *celery,
                "worker",
                "--pool",
                "solo",
                "--without-mingle",
                "--without-gossip",
                "--loglevel",
                "INFO",
            ],
            "beat": [
                *celery,
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(self.logs / "beat-schedule"),
                "--pidfile",
                "",
            ],
        }
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        self.processes[name] = subprocess.Popen(
            commands[name], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        if name == "web":
            wait_for(self.serves, timeout=60, what="gunicorn serves /healthz")

    def serves(self) -> bool:
        try:
            return requests.get(f"{self.base}/healthz", timeout=5).status_code == 200
        except (requests.ConnectionError, requests.Timeout):  # still booting its workers
            return False

    def kill(self, name: str) -> None:
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for name, process in self.processes.items():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
            print(f"--- {name} ---\n" + (self.logs / f"{name}.log").read_text()[-3000:])

    def emails(self) -> list[Path]:
        return sorted(self.mail.iterdir())


@pytest.fixture
def stack(tmp_path, own_redis):
    running = Stack(tmp_path, own_redis)
    yield running
    running.stop()


def signed_in(base: str, email: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(f"{base}/en/accounts/login/", timeout=30)
    assert page.status_code == 200
    response = browser.post(
        f"{base}/en/accounts/login/",
        data={
            "login": email,
            "password": PASSWORD,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text[:500]
    return browser


def pay(browser: requests.Session, base: str, bn15: str, amount: str) -> requests.Response:
    form = browser.get(f"{base}/en/program-accounts/{bn15}/pay/", timeout=30)
    if form.status_code != 200:  # the portal's 503 page, say: there is no form to send
        return form
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form.text).group(1)
    return browser.post(
        f"{base}/en/program-accounts/{bn15}/pay/",
        data={
            "amount": amount,
            "method": "debit_card",
            "idempotency_key": key,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        allow_redirects=False,
        timeout=30,
    )


# --- Items 3 and 5: a journey through the processes, Redis stopped and back -------------


def test_a_journey_through_web_worker_and_beat_survives_redis_going_away(
    stack, own_redis, importer_bam, rm1
):
    for name in ("web", "worker", "beat"):
        stack.start(name)
    base = stack.base
    readiness = []

    def ready() -> bool:
        answer = requests.get(f"{base}/readyz", timeout=5)
        readiness.append(answer.text)
        return answer.status_code == 200

    wait_for(ready, timeout=60, what=lambda: f"/readyz ({readiness[-1]})")
    _, token = api_key_create(user=importer_bam, name="script")
    api = {"Authorization": f"Bearer {token}"}

    browser = signed_in(base, importer_bam.email)
    assert browser.get(f"{base}/fr/", timeout=30).status_code == 200
    paid = pay(browser, base, rm1.bn15, "25.00")
    assert paid.status_code == 302
    assert paid.headers["Location"].startswith(f"/en/program-accounts/{rm1.bn15}/payments/")
    wait_for(lambda: len(stack.emails()) == 1, timeout=60, what="the worker sends the email")

    own_redis.stop()
    live = requests.get(f"{base}/healthz", timeout=30)
    assert (live.status_code, live.json()) == (200, {"database": "ok", "redis": "down"})
    ready = requests.get(f"{base}/readyz", timeout=30)
    assert ready.status_code == 503 and ready.json()["redis"] == "failing"

    # Pages, sign-in, payments and the API go on.
    other = signed_in(base, importer_bam.email)
    assert other.get(f"{base}/en/", timeout=30).status_code == 200
    accounts = requests.get(f"{base}/api/v1/program-accounts/", headers=api, timeout=30)
    assert accounts.status_code == 200
    paid = pay(other, base, rm1.bn15, "30.00")
    assert paid.status_code == 302  # the payer sees it received, not a 500
    assert Payment.objects.count() == 2
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 1
    assert len(stack.emails()) == 1

    # Redis is back: beat's drain publishes the email the broker missed, once.
    own_redis.start()
    wait_for(lambda: len(stack.emails()) == 2, timeout=90, what="the missed email leaves")
    wait_for(
        lambda: not OutboxMessage.objects.filter(sent_at__isnull=True).exists(),
        timeout=30,
        what="the outbox is empty",
    )
    emailed = Notification.objects.filter(recipient=importer_bam, emailed_at__isnull=False)
    # The file is written before the task's transaction commits: wait for the row too.
    wait_for(lambda: emailed.count() == 2, timeout=30, what="both notifications emailed")
    assert len(stack.emails()) == 2
    assert requests.get(f"{base}/readyz", timeout=30).status_code == 200


# --- Item 5: PostgreSQL connections killed under load ------------------------------------


def test_database_connections_killed_under_load_give_the_503_page_then_recover(
    stack, importer_bam, rm1
):
    stack.start("web")
    base = stack.base
    sessions = [signed_in(base, importer_bam.email) for _ in range(4)]
    answers: list[tuple[int, str]] = []
    done = threading.Semaphore(0)

    def client(browser: requests.Session, number: int) -> None:
        for step in range(12):
            for ask in (
                lambda: browser.get(f"{base}/en/", timeout=60),
                lambda: browser.get(
                    f"{base}/en/program-accounts/{rm1.bn15}/transactions/", timeout=60
                ),
                (lambda step=step: pay(browser, base, rm1.bn15, f"{number + 1}.{step:02d}"))
                if step % 3 == 0
                else (lambda: browser.get(f"{base}/api/v1/program-accounts/", timeout=60)),
            ):
                try:
                    response = ask()
                    answers.append((response.status_code, response.text))
                except requests.RequestException as error:
                    answers.append((0, repr(error)))
                done.release()

    killer = psycopg2.connect(database_url("carm-stack-killer"))
    killer.autocommit = True
    killed = 0
    threads = [threading.Thread(target=client, args=(s, n)) for n, s in enumerate(sessions)]
    for thread in threads:
        thread.start()
    total = len(sessions) * 12 * 3
    for seen in range(total):
        assert done.acquire(timeout=120), "a client stopped answering"
        if seen % 6 == 0:  # every sixth answer, every connection of the web processes dies
            with killer.cursor() as cursor:
                cursor.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE application_name = 'carm-stack'"
                )
                killed += cursor.fetchone()[0]
    for thread in threads:
        thread.join(timeout=120)
    killer.close()

    assert killed > 0
    statuses = {status for status, _ in answers}
    print(
        f"{len(answers)} answers, {killed} connections killed:",
        {status: sum(1 for s, _ in answers if s == status) for status in sorted(statuses)},
    )
    assert statuses <= {200, 302, 503}, statuses
    for status, body in answers:
        assert "Traceback" not in body and "OperationalError" not in body
        if status == 503 and body.startswith("<!DOCTYPE html>"):
            assert "The portal is unavailable for a moment" in body
    # The next requests succeed.
    for browser in sessions:
        assert browser.get(f"{base}/en/", timeout=60).status_code == 200
    # Nothing half written: every payment has its posting, and every balance is the sum of
    # its postings.
    assert Payment.objects.filter(posting__isnull=True).count() == 0
    assert Posting.objects.filter(kind="payment").count() == Payment.objects.count()
    assert list(ledger_mismatches()) == []


# --- Item 5: a worker killed in the middle of a job ----------------------------------------


def test_a_worker_killed_mid_job_is_replaced_and_the_job_done_once(
    tmp_path, own_redis, importer_bam
):
    from carm.celery import app as celery_app
    from notifications.kinds import Kind

    running = Stack(
        tmp_path,
        own_redis,
        CELERY_VISIBILITY_TIMEOUT="3",  # production: the time limit plus a minute
        CARM_TEST_RESTORE_EVERY_SECOND="true",
    )
    notification = Notification.objects.create(
        recipient=importer_bam,
        kind=Kind.STATEMENT_AVAILABLE,
        dedupe_key="statement:stack",
        context={"account": "123456782RM0001", "statement_date": "2026-10-25"},
    )
    # The job waits on the notification's row, which this connection holds.
    holder = psycopg2.connect(database_url("carm-stack-holder"))
    with holder.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM notifications_notification WHERE id = %s FOR UPDATE",
            [notification.pk],
        )
    try:
        running.start("worker")
        saved = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = own_redis.url, False
        celery_app._pool, celery_app.amqp._producer_pool = None, None
        try:
            celery_app.send_task(
                "notifications.tasks.notification_email_send",
                args=[notification.pk],
                ignore_result=True,
            )
        finally:
            celery_app.conf.broker_url, celery_app.conf.task_always_eager = saved
            celery_app._pool, celery_app.amqp._producer_pool = None, None

        def job_waits_on_the_row() -> bool:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'carm-stack'"
                    " AND wait_event_type = 'Lock'"
                )
                return cursor.fetchone()[0] == 1

        wait_for(job_waits_on_the_row, timeout=60, what="the worker is in the middle of the job")
        running.kill("worker")  # SIGKILL: no chance to hand the task back
        running.start("worker")
    finally:
        holder.rollback()
        holder.close()
    try:

        def emailed() -> bool:
            notification.refresh_from_db()
            return notification.emailed_at is not None

        wait_for(emailed, timeout=90, what="another worker does the job")
        assert len(running.emails()) == 1
    finally:
        running.stop()
