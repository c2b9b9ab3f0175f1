"""A real Celery worker process, over the real Redis, emails a notification once."""

import os
import subprocess
import sys
import time
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from django.db import connection, transaction

from carm.celery import app as celery_app
from notifications.kinds import Kind
from notifications.services import notification_send
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition, *, timeout: float, step: float = 0.2):
    """Poll `condition` until it is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {timeout} s")
        time.sleep(step)
    return result


def database_url() -> str:
    """The URL of the test database this test process uses."""
    db = connection.settings_dict
    host = db["HOST"] or "127.0.0.1"
    if host.startswith("/"):
        return f"postgres://{db['USER']}@/{host}/{db['NAME']}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    """A `celery worker` process on the test settings, its mail going to files."""
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    celery_app.control.purge()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
        "CARM_TEST_EMAIL_DIR": str(mail_dir),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "carm",
            "worker",
            "--pool",
            "solo",
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield mail_dir
    finally:
        celery_app.conf.task_always_eager = eager
        process.terminate()
        output, _ = process.communicate(timeout=30)
        print(output.decode(errors="replace")[-3000:])


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_emails_the_notification_once(worker):
    user = UserFactory(preferred_language="fr", first_name="Marie")
    with transaction.atomic():
        notification, _ = notification_send(
            recipient=user,
            kind=Kind.STATEMENT_AVAILABLE,
            dedupe_key="statement:123456782RM0001:2026-10-25",
            context={"account": "123456782RM0001", "statement_date": "2026-10-25"},
        )
        # Nothing leaves before the commit.
        assert not list(worker.iterdir())

    # The outbox publishes it without asking for a result (carm/tasks.py): the email file
    # and the row say it was sent.
    wait_for(lambda: list(worker.iterdir()), timeout=120)
    messages = list(worker.iterdir())
    assert len(messages) == 1
    message = message_from_bytes(
        messages[0].read_bytes().split(b"\n" + b"-" * 79)[0], policy=default
    )
    assert message["To"] == user.email
    assert message["Subject"] == "[GCRA] Relevé disponible"
    assert "Le relevé de compte de 123456782RM0001" in message.get_content()
    notification.refresh_from_db()
    assert notification.emailed_at is not None

    # A redelivered task finds the email already sent and sends nothing.
    redelivered = celery_app.send_task(
        "notifications.tasks.notification_email_send", args=[notification.pk]
    )
    assert redelivered.get(timeout=120) is False
    assert len(list(worker.iterdir())) == 1
