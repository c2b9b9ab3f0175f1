"""The annual review through real Celery workers over the real Redis: a chord of three
chunks, one chunk's process killed in the middle of its transaction and the chunk
redelivered, then a second run of the same year. One review per account, one notification
per account and recipient, one email per notification, and each run's summary right.

The kill is real: the worker is started through WORKER below, which wraps
`security.review.annual_review_notify` so that, while a marker file exists, the process
deletes it and `os._exit`s right after the chunk's reviews and notifications were written
and before its transaction commits. Nothing is added to the portal's code for this. Two
ways to die: a solo worker dies whole, and a second worker gets the message it held once
the visibility timeout has passed (acks_late); a prefork child dies, and its worker puts
the message back at once (task_reject_on_worker_lost).
"""

import datetime
import json
import os
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal as D
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
import redis
from django.conf import settings

from accounts.models import ProgramAccount, Role, User
from carm.celery import app as celery_app
from financial.calendar import EASTERN
from financial.services import posting_create
from notifications.kinds import Kind
from notifications.models import Notification
from security.models import ReviewRun, RppReview
from security.tasks import rpp_annual_review
from tests.factories import BusinessFactory, ProgramAccountFactory, UserFactory, member
from tests.notifications.test_worker import database_url

ROOT = Path(__file__).resolve().parents[2]
YEAR = 2026
ACCOUNTS = 2_500
CHUNK = 1_000  # three chunks
EVERY = 100  # every 100th account of the importer had a big month: 25 increases
DEADLINE = 180  # seconds; a bound on waiting, not a measure of speed

# A worker whose chunk dies mid-transaction while the marker file exists, after saying
# what its transaction had written. A worker taking over from a dead one gets a short
# visibility timeout, so that the message the dead one held comes back within seconds
# instead of the production hour (the transport then sweeps every second).
WORKER = """
import json, os, sys
import django

django.setup()
from carm.celery import app
from notifications.models import Notification
from security import review
from security.models import RppReview

# tests.settings runs tasks eagerly; what this worker sends must go through Redis.
app.conf.task_always_eager = False
if os.environ.get("CARM_TEST_VISIBILITY_TIMEOUT"):
    app.conf.broker_transport_options = {
        **app.conf.broker_transport_options,
        "visibility_timeout": int(os.environ["CARM_TEST_VISIBILITY_TIMEOUT"]),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
notify = review.annual_review_notify


def notify_then_die(reviews):
    sent = notify(reviews)
    marker = os.environ.get("CARM_TEST_DIE_MARKER")
    if marker and os.path.exists(marker):
        os.unlink(marker)
        written = {
            "reviews": RppReview.objects.count(),
            "notifications": Notification.objects.count(),
            "sent": sent,
        }
        with open(marker + ".tmp", "w") as out:
            json.dump(written, out)
        os.rename(marker + ".tmp", marker + ".seen")
        os._exit(9)
    return sent


review.annual_review_notify = notify_then_die
app.worker_main(sys.argv[1:])
"""


def wait_for(condition, what: str, *, alive=()):
    """Poll until `condition()` is true; fail at the deadline or if a worker died."""
    deadline = time.monotonic() + DEADLINE
    while True:
        exited = [process.returncode for process in alive if process.poll() is not None]
        if value := condition():  # after the exit check: what a worker did before dying counts
            return value
        if exited:
            pytest.fail(f"waiting for {what}: a worker exited ({exited})")
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} after {DEADLINE} s")
        time.sleep(0.2)


@pytest.fixture
def workers(transactional_db, tmp_path):
    """Start `celery worker` processes on the test database and the test Redis; each is
    terminated (and its log printed) at the end."""
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    celery_app.control.purge()
    # Messages a killed worker of an earlier run left unacknowledged would come back.
    redis.Redis.from_url(settings.TEST_REDIS_URL).delete("unacked", "unacked_index")
    started = []

    def start(name: str, *options: str, die_marker: Path | None = None, takes_over=False):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url(),
            "CARM_TEST_EMAIL_DIR": str(mail_dir),
        }
        if die_marker is not None:
            env["CARM_TEST_DIE_MARKER"] = str(die_marker)
        if takes_over:
            env["CARM_TEST_VISIBILITY_TIMEOUT"] = "3"
        log = tmp_path / f"{name}.log"
        argv = ["worker", "-n", f"{name}@%h", "--without-mingle", "--without-gossip"]
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-c", WORKER, *argv, *options, "--loglevel", "INFO"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        started.append((process, log))
        return process

    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield start, mail_dir
    finally:
        celery_app.conf.task_always_eager = eager
        for process, log in started:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
            print(f"--- {log.name} (exit {process.returncode})")
            print(log.read_text(errors="replace")[-3000:])


def charge(account: ProgramAccount, amount: str) -> None:
    """A declaration charge in March of the review window."""
    value = D(amount)
    posting_create(
        program_account=account,
        kind="charge",
        amount=value,
        duty=value,
        posted_at=datetime.datetime(YEAR, 3, 10, 12, tzinfo=EASTERN),
    )


@pytest.fixture
def importers():
    """2,500 RPP accounts: 2,499 of Maple (two BAMs, a reader on one account), 25 of them
    with a big month, then one of Birch (its own BAM) with a big month; two accounts of
    Maple not in RPP, with big months, that the review leaves alone."""
    maple = BusinessFactory(bn9="123456782", legal_name="Maple Leaf Imports Inc.")
    accounts = ProgramAccount.objects.bulk_create(
        ProgramAccount(
            business=maple, bn15=f"123456782RM{n:04d}", rpp_status=ProgramAccount.RppStatus.ACTIVE
        )
        for n in range(1, ACCOUNTS)
    )
    increased = {}
    for index, account in enumerate(accounts[::EVERY]):
        amount = D(20_000 + 1_000 * index)
        charge(account, f"{amount}.00")
        increased[account.pk] = amount / 2
    birch = BusinessFactory(legal_name="Birch Trading Ltd.")
    birch_rm = ProgramAccountFactory(business=birch, rpp_status=ProgramAccount.RppStatus.ACTIVE)
    charge(birch_rm, "90000.00")
    increased[birch_rm.pk] = D(45_000)
    for n in (8001, 8002):
        charge(ProgramAccount.objects.create(business=maple, bn15=f"123456782RM{n}"), "70000.00")

    bams = [UserFactory(email=f"bam{n}@maple.example") for n in (1, 2)]
    for user in bams:
        member(user, maple, Role.BAM)
    reader = UserFactory(email="reader@maple.example")
    member(reader, maple, Role.READER, [accounts[EVERY]])
    birch_bam = UserFactory(email="bam@birch.example")
    member(birch_bam, birch, Role.BAM)
    expected = {(user.pk, account.bn15) for account in accounts[::EVERY] for user in bams}
    expected |= {(reader.pk, accounts[EVERY].bn15), (birch_bam.pk, birch_rm.bn15)}
    return increased, expected


def assert_reviewed_once(increased: dict, expected_notifications: set) -> None:
    rpp_ids = set(
        ProgramAccount.objects.filter(rpp_status=ProgramAccount.RppStatus.ACTIVE).values_list(
            "pk", flat=True
        )
    )
    reviews = RppReview.objects.filter(year=YEAR)
    assert reviews.count() == len(rpp_ids) == ACCOUNTS
    assert set(reviews.values_list("program_account_id", flat=True)) == rpp_ids
    raised = reviews.filter(increased=True).values_list("program_account_id", "required_bond")
    assert dict(raised) == increased
    notifications = Notification.objects.filter(kind=Kind.RPP_ANNUAL_REVIEW)
    assert notifications.count() == len(expected_notifications)
    assert {(n.recipient_id, n.context["account"]) for n in notifications} == (
        expected_notifications
    )


def finished(run_number: int):
    """The run_number-th ReviewRun, once its summary is recorded."""
    runs = list(ReviewRun.objects.order_by("pk"))
    if len(runs) >= run_number and runs[run_number - 1].finished_at is not None:
        return runs[run_number - 1]
    return None


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "crash",
    [
        pytest.param("worker", id="the-whole-worker-dies-and-another-takes-over"),
        pytest.param("child", id="a-prefork-child-dies-and-its-worker-requeues"),
    ],
)
def test_a_killed_chunk_is_redelivered_and_a_rerun_changes_nothing(
    crash, workers, importers, tmp_path
):
    start, mail_dir = workers
    increased, expected_notifications = importers
    marker = tmp_path / "die"
    marker.touch()
    if crash == "worker":
        first = start("first", "--pool", "solo", die_marker=marker)
    else:
        first = start("first", "--pool", "prefork", "--concurrency", "1", die_marker=marker)

    rpp_annual_review.delay(YEAR, chunk_size=CHUNK)

    seen = tmp_path / "die.seen"
    wait_for(seen.exists, "chunk killed in its transaction", alive=[first])
    if crash == "worker":
        # The worker is gone with the chunk it held: the first chunk, its work rolled back,
        # its message unacknowledged in Redis, the two other chunks still queued.
        wait_for(lambda: first.poll() is not None, "end of the killed worker")
        assert first.returncode == 9
        assert ReviewRun.objects.get().chunks_done == 0
        assert not RppReview.objects.exists()
        assert not Notification.objects.exists()
        broker = redis.Redis.from_url(settings.TEST_REDIS_URL)
        unacked = broker.hvals("unacked")
        assert len(unacked) == 1
        assert json.loads(unacked[0])[0]["headers"]["task"] == "security.tasks.rpp_review_chunk"
        assert broker.llen("celery") == 2
        survivor = start("second", "--pool", "solo", takes_over=True)
    else:
        survivor = first
    written = json.loads(seen.read_text())
    assert written["reviews"] == 1_000  # what the killed transaction had written
    assert written["sent"] == written["notifications"] == 2 * (1_000 // EVERY) + 1

    run = wait_for(lambda: finished(1), "end of the first run", alive=[survivor])
    assert not marker.exists()
    assert (run.year, run.chunks, run.chunks_done) == (YEAR, 3, 3)
    assert (run.accounts, run.increased) == (ACCOUNTS, len(increased))
    assert RppReview.objects.filter(run=run).count() == ACCOUNTS
    assert_reviewed_once(increased, expected_notifications)

    # The same year again: every account is found reviewed, nothing is sent twice.
    rpp_annual_review.delay(YEAR, chunk_size=CHUNK)
    rerun = wait_for(lambda: finished(2), "end of the second run", alive=[survivor])
    assert (rerun.year, rerun.chunks, rerun.chunks_done) == (YEAR, 3, 3)
    assert (rerun.accounts, rerun.increased) == (ACCOUNTS, len(increased))
    assert not RppReview.objects.filter(run=rerun).exists()
    assert_reviewed_once(increased, expected_notifications)

    # One email per notification: the killed chunk's notifications never left.
    wait_for(
        lambda: not Notification.objects.filter(emailed_at__isnull=True).exists(),
        "emails of every notification",
        alive=[survivor],
    )
    emails = emails_to(mail_dir)
    recipients = Counter(user for user, _ in expected_notifications)
    assert emails == Counter({User.objects.get(pk=pk).email: n for pk, n in recipients.items()})


def emails_to(mail_dir: Path) -> Counter:
    """How many messages each address got. The file backend names a file by the second
    and appends to it, so one file may hold several messages."""
    separator = b"\n" + b"-" * 79 + b"\n"
    messages = [
        message_from_bytes(raw, policy=default)
        for path in mail_dir.iterdir()
        for raw in path.read_bytes().split(separator)
        if raw.strip()
    ]
    return Counter(message["To"] for message in messages)
