"""Read replicas (carm/db.py, docs/scaling.md "Read replicas").

The router's rules without a replica first; then a real streaming replica: a PostgreSQL
primary and its replica of the test's own (initdb, pg_basebackup), with the test
database copied in, and the portal pointed at them for the test.
"""

import datetime
import json
import time
from contextlib import contextmanager
from decimal import Decimal as D

import pytest
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import ProgramAccount, Role
from carm import db
from financial.calendar import EASTERN
from financial.models import Payment, Posting
from financial.services import posting_create
from security.models import RppReview
from security.review import annual_review
from security.selectors import highest_months
from tests.factories import (
    BusinessFactory,
    ProgramAccountFactory,
    StatementFactory,
    UserFactory,
    filed_declaration,
    member,
)
from tests.replica_cluster import free_port, streaming_pair
from tests.test_settings import PRODUCTION, manage


@pytest.fixture(autouse=True)
def _replica_not_down():
    db._replica_down_until = 0.0
    yield
    db._replica_down_until = 0.0


@contextmanager
def replica_alias(**address):
    """A `replica` alias for the test's length: the primary's settings, another address.
    Made here rather than in settings.DATABASES, which Django's test cases read when they
    start (a connection made during a test is allowed)."""
    default = connections["default"]
    replica = type(default)({**default.settings_dict, **address}, alias=db.REPLICA)
    connections[db.REPLICA] = replica
    try:
        yield replica
    finally:
        replica.close()
        del connections[db.REPLICA]


# --- The rules, without a replica -----------------------------------------------------------


def test_reads_go_to_the_primary_outside_a_replica_read_and_writes_always():
    assert router.db_for_read(Posting) == DEFAULT_DB_ALIAS
    with db._replica_scope():
        assert router.db_for_read(Posting) == db.REPLICA
        assert router.db_for_write(Posting) == DEFAULT_DB_ALIAS
    assert router.db_for_read(Posting) == DEFAULT_DB_ALIAS
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "financial")
    assert not router.allow_migrate(db.REPLICA, "financial")


def test_without_a_replica_everything_reads_the_primary():
    assert not db.replica_configured()
    assert db.replica_read(lambda: router.db_for_read(Posting)) == DEFAULT_DB_ALIAS
    with pytest.raises(MiddlewareNotUsed):
        db.ReadYourWritesMiddleware(lambda request: HttpResponse())


def test_the_replica_url_makes_an_alias_with_the_primarys_connection_settings():
    script = (
        "import json; from django.conf import settings; "
        "print(json.dumps({a: settings.DATABASES[a] for a in ('default', 'replica')}))"
    )
    url = "postgres://reader:secret@replica.internal:5433/carm"
    result = manage(
        "shell", "-c", script, env={**PRODUCTION, "DATABASE_REPLICA_URL": url, "CONN_MAX_AGE": "30"}
    )
    assert result.returncode == 0, result.stderr
    databases = json.loads(result.stdout.strip().splitlines()[-1])
    replica = databases["replica"]
    assert (replica["HOST"], replica["PORT"], replica["USER"]) == (
        "replica.internal",
        5433,
        "reader",
    )
    assert replica["CONN_MAX_AGE"] == databases["default"]["CONN_MAX_AGE"] == 30
    assert replica["CONN_HEALTH_CHECKS"] and replica["OPTIONS"]["connect_timeout"] == 2


def test_a_replica_serves_reads_unless_the_session_just_wrote(settings):
    settings.CARM_READ_YOUR_WRITES_SECONDS = 10
    request = RequestFactory().get("/")
    request.session = {}
    with replica_alias():
        assert db.replica_read(lambda: router.db_for_read(Posting), request=request) == "replica"
        request.session[db.WROTE_AT] = time.time()
        assert db.replica_read(lambda: router.db_for_read(Posting), request=request) == "default"
        request.session[db.WROTE_AT] = time.time() - 11
        assert db.replica_read(lambda: router.db_for_read(Posting), request=request) == "replica"


class _Session(dict):
    session_key = "a-session"


@pytest.mark.parametrize(
    ("method", "status", "session_key", "marked"),
    [
        ("POST", 302, "a-session", True),
        ("DELETE", 204, "a-session", True),
        ("GET", 200, "a-session", False),
        ("POST", 400, "a-session", False),
        ("POST", 201, None, False),  # an API key's request: no session to mark
    ],
)
def test_a_successful_change_marks_the_session(method, status, session_key, marked):
    request = RequestFactory().generic(method, "/")
    request.session = _Session()
    request.session.session_key = session_key
    with replica_alias():
        middleware = db.ReadYourWritesMiddleware(lambda request: HttpResponse(status=status))
        middleware(request)
    assert (db.WROTE_AT in request.session) is marked


def test_with_the_replica_down_the_history_answers_from_the_primary(client_for, importer_bam, rm1):
    filed_declaration(importer_bam, rm1)
    client = client_for(importer_bam)
    history = reverse("transactions", args=[rm1.bn15])
    api = reverse("api-transactions", args=[rm1.bn15])
    # Nothing listens there: the connection is refused.
    with replica_alias(HOST="127.0.0.1", PORT=str(free_port())):
        page = client.get(history)
        assert page.status_code == 200
        assert len(page.context["postings"]) == 1
        assert time.monotonic() < db._replica_down_until  # left alone for a while
        db._replica_down_until = 0.0
        assert client.get(api).json()["results"][0]["kind"] == "charge"
        db._replica_down_until = 0.0
        csv = b"".join(client.get(history + "?format=csv").streaming_content).decode()
        assert len(csv.splitlines()) == 2 and ",charge," in csv
        db._replica_down_until = 0.0
        statement = StatementFactory(program_account=rm1)
        document = reverse("statement_csv", args=[rm1.bn15, statement.period_end.isoformat()])
        assert client.get(document).status_code == 200


def test_with_the_replica_down_the_annual_review_reads_its_months_from_the_primary(rm1):
    rm1.rpp_status = ProgramAccount.RppStatus.ACTIVE
    rm1.save()
    march = datetime.datetime(2026, 3, 10, 12, tzinfo=EASTERN)
    amount = D("30000.00")
    posting_create(program_account=rm1, kind="charge", amount=amount, gst=amount, posted_at=march)
    with replica_alias(HOST="127.0.0.1", PORT=str(free_port())):
        annual_review(year=2026)
        assert time.monotonic() < db._replica_down_until  # it was asked, and failed
    review = RppReview.objects.get(program_account=rm1, year=2026)
    assert (review.highest_month, review.highest_amount) == (datetime.date(2026, 3, 1), amount)
    assert review.required_bond == D("15000")


# --- A real streaming replica -----------------------------------------------------------------


@contextmanager
def portal_on(pair):
    """The portal's `default` on the pair's primary and `replica` on its replica, for the
    test's length (the test database's name is the same on both)."""
    default = connections["default"]
    saved = {key: default.settings_dict[key] for key in ("HOST", "PORT")}
    default.close()
    default.settings_dict.update(HOST="127.0.0.1", PORT=str(pair.primary_port))
    try:
        with replica_alias(HOST="127.0.0.1", PORT=str(pair.replica_port)) as replica:
            yield replica
    finally:
        default.close()
        default.settings_dict.update(saved)


def in_recovery(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        return cursor.fetchone()[0]


def queries_on(capture) -> str:
    return "\n".join(query["sql"] for query in capture.captured_queries)


@pytest.fixture
def pair(transactional_db):
    with streaming_pair(connections["default"].settings_dict) as started:
        yield started


@pytest.mark.django_db(transaction=True)
def test_a_real_replica_serves_the_history_and_the_session_reads_its_own_writes(pair, settings):
    settings.CARM_READ_YOUR_WRITES_SECONDS = 600  # longer than this test: no timing in it
    with portal_on(pair) as replica:
        assert in_recovery(replica) and not in_recovery(connections["default"])
        maple = BusinessFactory(bn9="123456782", legal_name="Maple Leaf Imports Inc.")
        account = ProgramAccountFactory(business=maple, reference="RM0001")
        bam = UserFactory(email="bam@maple.example")
        member(bam, maple, Role.BAM)
        filed_declaration(bam, account)
        statement = StatementFactory(program_account=account)
        pair.wait_for_replay()

        history = reverse("transactions", args=[account.bn15])
        reader = Client()
        reader.force_login(bam)
        with (
            CaptureQueriesContext(replica) as on_replica,
            CaptureQueriesContext(connections["default"]) as on_primary,
        ):
            page = reader.get(history)
        assert page.status_code == 200 and len(page.context["postings"]) == 1
        # The rows came from the replica; who may see them was asked of the primary.
        assert "financial_posting" in queries_on(on_replica)
        assert "accounts_membership" not in queries_on(on_replica)
        assert "accounts_membership" in queries_on(on_primary)

        # The history's CSV streams from the replica (a server-side cursor there).
        with CaptureQueriesContext(replica) as on_replica:
            export = b"".join(reader.get(history + "?format=csv").streaming_content)
        assert len(export.decode().splitlines()) == 2
        assert 'FROM "financial_posting"' in queries_on(on_replica)

        # A statement's documents: who may read it on the primary, its lines on the replica.
        period_end = statement.period_end.isoformat()
        with CaptureQueriesContext(replica) as on_replica:
            csv = reader.get(reverse("statement_csv", args=[account.bn15, period_end]))
            pdf = reader.get(reverse("api-statement-pdf", args=[account.bn15, period_end]))
        assert csv.status_code == pdf.status_code == 200
        assert pdf["Content-Type"] == "application/pdf"
        read = [query["sql"] for query in on_replica.captured_queries]
        assert sum('FROM "financial_invoice"' in sql for sql in read) == 2  # CSV and PDF
        assert any('FROM "financial_posting"' in sql for sql in read)  # the PDF's lines
        assert "accounts_membership" not in queries_on(on_replica)

        # The annual review's highest-month query (raw SQL) follows the scope too.
        today = timezone.localdate()
        year = today.year + (today >= datetime.date(today.year, 10, 20))
        with CaptureQueriesContext(replica) as on_replica:
            months = db.replica_read(lambda: highest_months([account.pk], year))
        assert account.pk in months and "financial_posting" in queries_on(on_replica)

        # The replica stops replaying: what the primary writes now, it does not have.
        pair.pause_replay()
        payer = Client()
        payer.force_login(bam)
        pay = reverse("pay", args=[account.bn15])
        key = payer.get(pay).context["form"].initial["idempotency_key"]
        answer = payer.post(
            pay, {"amount": "25.00", "method": "debit_card", "idempotency_key": key}
        )
        assert answer.status_code == 302
        # The write is on the primary only.
        assert Payment.objects.using("default").count() == 1
        assert not Payment.objects.using(db.REPLICA).exists()

        # The payer's session reads its own payment: its history is read on the primary.
        with CaptureQueriesContext(replica) as on_replica:
            page = payer.get(history)
        assert len(page.context["postings"]) == 2 and not on_replica.captured_queries
        # Another session still reads the replica, which has not replayed the payment yet.
        assert len(reader.get(history).context["postings"]) == 1

        pair.resume_replay()
        pair.wait_for_replay()
        assert len(reader.get(history).context["postings"]) == 2

        # The replica stops: the pages answer from the primary.
        replica.close()
        pair.stop_replica()
        page = reader.get(history)
        assert page.status_code == 200 and len(page.context["postings"]) == 2
        api = reader.get(reverse("api-transactions", args=[account.bn15]))
        assert api.status_code == 200 and len(api.json()["results"]) == 2
