"""When a data store fails, or a request asks for what is not there: the portal's 503
page or JSON for the API, never a bare 500 (issue 16). Redis and the broker are made
unreachable in this process only (a port nothing listens on); the shared Redis and
PostgreSQL are never touched. tests/test_stack.py does the same with real processes."""

import pytest
from django.db import OperationalError
from django.test import Client, override_settings

from carm.celery import app as celery_app
from carm.models import OutboxMessage
from carm.tasks import OUTBOX_GRACE, outbox_drain
from financial.models import Payment
from notifications.models import Notification
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NOWHERE = "redis://127.0.0.1:1/0"  # nothing listens on port 1: refused at once


@pytest.fixture
def redis_down(settings):
    """The cache's Redis refuses connections (the portal counts in memory meanwhile)."""
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": NOWHERE,
            "KEY_PREFIX": "carm-redis-down",
        }
    }
    from django.core.cache import cache

    assert not cache.redis_answers()
    yield


def reset_celery_connections():
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker_down():
    """Tasks go to a broker that refuses connections, as they do in production."""
    saved = (celery_app.conf.task_always_eager, celery_app.conf.broker_url)
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = NOWHERE
    reset_celery_connections()
    yield
    celery_app.conf.task_always_eager, celery_app.conf.broker_url = saved
    reset_celery_connections()


def pay_on_the_page(client, account, amount="25.00"):
    page = client.get(f"/en/program-accounts/{account.bn15}/pay/")
    key = page.context["form"].initial["idempotency_key"]
    return client.post(
        f"/en/program-accounts/{account.bn15}/pay/",
        {"amount": amount, "method": "debit_card", "idempotency_key": key},
    )


# --- Redis down --------------------------------------------------------------------------


def test_a_payment_with_the_broker_down_is_saved_and_the_payer_sees_it(
    client_for, importer_bam, rm1, broker_down, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = pay_on_the_page(client_for(importer_bam), rm1)
    assert response.status_code == 302
    assert Payment.objects.count() == 1
    assert (
        response["Location"]
        == f"/en/program-accounts/{rm1.bn15}/payments/{Payment.objects.get().pk}/"
    )
    assert Notification.objects.filter(recipient=importer_bam).count() == 1
    waiting = OutboxMessage.objects.get()
    assert waiting.sent_at is None
    assert waiting.task_name == "notifications.tasks.notification_email_send"
    assert mailoutbox == []


def test_the_email_the_broker_missed_leaves_once_when_it_returns(
    client_for, importer_bam, rm1, mailoutbox, django_capture_on_commit_callbacks
):
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url, saved = NOWHERE, celery_app.conf.broker_url
    reset_celery_connections()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            pay_on_the_page(client_for(importer_bam), rm1)
        assert outbox_drain() == 0  # the broker is still down: nothing leaves, nothing lost
    finally:
        celery_app.conf.task_always_eager = True
        celery_app.conf.broker_url = saved
        reset_celery_connections()
    OutboxMessage.objects.update(created_at=OutboxMessage.objects.get().created_at - OUTBOX_GRACE)
    assert outbox_drain() == 1  # back: the beat job publishes it (run here, eagerly)
    assert [message.to for message in mailoutbox] == [[importer_bam.email]]
    assert OutboxMessage.objects.get().sent_at is not None
    assert outbox_drain() == 0  # and never twice
    assert len(mailoutbox) == 1


def test_a_message_published_after_commit_is_marked_sent(
    importer_bam, mailoutbox, django_capture_on_commit_callbacks
):
    from notifications.kinds import Kind
    from notifications.services import notification_send

    with django_capture_on_commit_callbacks(execute=True):
        notification_send(
            recipient=importer_bam,
            kind=Kind.STATEMENT_AVAILABLE,
            dedupe_key="statement:x",
            context={"account": "123456782RM0001", "statement_date": "2026-10-25"},
        )
    assert OutboxMessage.objects.get().sent_at is not None
    assert len(mailoutbox) == 1


def test_the_drain_runs_every_minute_on_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["outbox-drain"]
    assert entry["task"] == "carm.tasks.outbox_drain"
    assert entry["schedule"] <= 60


def test_sign_in_works_with_redis_down(client, importer_bam, redis_down):
    response = client.post(
        "/en/accounts/login/", {"login": importer_bam.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/en/").status_code == 200


def test_sign_in_still_locks_out_guessers_with_redis_down(client, importer_bam, redis_down):
    for _attempt in range(5):
        client.post("/en/accounts/login/", {"login": importer_bam.email, "password": "wrong"})
    response = client.post(
        "/en/accounts/login/", {"login": importer_bam.email, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert not client.get("/en/").wsgi_request.user.is_authenticated


def test_the_api_answers_with_redis_down(client_for, importer_bam, rm1, redis_down):
    response = client_for(importer_bam).get("/api/v1/program-accounts/")
    assert response.status_code == 200
    assert [row["bn15"] for row in response.json()["results"]] == [
        "123456782RM0001",
        "123456782RM0002",
    ]


def test_pages_and_payments_work_with_redis_and_the_broker_down(
    client_for, importer_bam, rm1, redis_down, broker_down, django_capture_on_commit_callbacks
):
    client = client_for(importer_bam)
    assert client.get("/en/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert pay_on_the_page(client, rm1).status_code == 302
    assert client.get(f"/en/program-accounts/{rm1.bn15}/transactions/").status_code == 200


def test_liveness_holds_and_readiness_fails_with_redis_down(client, redis_down):
    live = client.get("/healthz")
    assert (live.status_code, live.json()) == (200, {"database": "ok", "redis": "down"})
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["redis"] == "failing"


# --- The database fails ----------------------------------------------------------------


@pytest.fixture
def database_fails(monkeypatch):
    """The next read of the dashboard fails as a killed connection does."""
    from accounts import views

    def fail(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(views.selectors, "dashboard_accounts", fail)


def test_a_lost_database_connection_is_the_portals_503_page(
    client_for, importer_bam, rm1, database_fails
):
    client = client_for(importer_bam)
    client.raise_request_exception = False
    response = client.get("/fr/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.content.decode()
    assert "Le portail est momentanément indisponible" in body
    assert "Traceback" not in body and "OperationalError" not in body


def test_a_lost_database_connection_is_a_json_503_on_the_api(
    client_for, importer_bam, rm1, monkeypatch
):
    from accounts import api

    def fail(*args, **kwargs):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(api, "program_accounts_visible_to", fail)
    client = client_for(importer_bam)
    client.raise_request_exception = False
    response = client.get("/api/v1/program-accounts/")
    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"


# --- The API answers JSON, whatever happens ------------------------------------------------


def test_an_unknown_api_address_is_a_json_404(client_for, importer_bam):
    response = client_for(importer_bam).get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_an_api_bug_is_a_json_500_without_details(client_for, importer_bam, monkeypatch):
    from accounts import api

    def fail(*args, **kwargs):
        raise RuntimeError("a secret detail")

    monkeypatch.setattr(api, "program_accounts_visible_to", fail)
    client = client_for(importer_bam)
    client.raise_request_exception = False
    response = client.get("/api/v1/program-accounts/")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert "secret" not in response.content.decode()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_an_oversized_api_body_is_a_json_400(client_for, importer_bam, rm1):
    response = client_for(importer_bam).post(
        f"/api/v1/program-accounts/{rm1.bn15}/payments/",
        '{"amount": "1.00", "method": "wire", "pad": "' + "x" * 5000 + '"}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


def test_an_unknown_page_is_the_portals_404(client_for, importer_bam):
    response = client_for(importer_bam).get("/fr/no-such-page/")
    assert response.status_code == 404
    assert "Nous n’avons pas trouvé cette page" in response.content.decode() or (
        "Nous n'avons pas trouvé cette page" in response.content.decode()
    )


@pytest.mark.parametrize(
    "path", ["/fr/no-such-page/", "/fr/declarations/NO-SUCH-ONE/", "/fr/businesses/000000000/"]
)
def test_with_debug_on_a_missing_page_is_still_the_portals_not_the_url_list(
    client_for, importer_bam, settings, path
):
    """`make run` runs with DEBUG on: no technical page listing the URL patterns. (With
    DEBUG on, django-csp leaves 404s without its header, by design: the checker of every
    page's policy is left out here.)"""
    settings.DEBUG = True
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.startswith("tests.csp")]
    response = client_for(importer_bam).get(path)
    body = response.content.decode()
    assert response.status_code == 404
    assert "trouvé cette page" in body
    assert "URLconf" not in body and "urlpatterns" not in body
    api = client_for(importer_bam).get("/api/v1/no-such-thing/")
    assert api.status_code == 404 and api.json()["code"] == "not_found"


# --- Health ------------------------------------------------------------------------------


@override_settings(SECURE_SSL_REDIRECT=True, SECURE_REDIRECT_EXEMPT=[r"^healthz$", r"^readyz$"])
def test_health_and_readiness_answer_over_plain_http_where_pages_redirect():
    client = Client()
    assert client.get("/en/").status_code == 301
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_the_production_settings_exempt_health_and_readiness_from_https():
    import carm.settings

    exempt = carm.settings.SECURE_REDIRECT_EXEMPT if carm.settings.HTTPS else None
    if exempt is not None:
        assert set(exempt) == {r"^healthz$", r"^readyz$"}


def test_readiness_is_ok_when_everything_is_there(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "database": "ok",
        "redis": "ok",
        "migrations": "ok",
        "static_files": "ok",
    }


def test_readiness_fails_without_collectstatic_while_liveness_holds(settings, tmp_path, client):
    settings.STATIC_ROOT = tmp_path  # empty: collectstatic never ran
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["static_files"] == "failing"


def test_a_session_lost_with_the_database_connection_is_a_503_not_a_400(
    client_for, importer_bam, rm1, monkeypatch
):
    """The view's work is committed, then the session cannot be saved because the
    connection died: Django says SessionInterrupted (400); the portal says 503."""
    from django.contrib.sessions.backends.db import SessionStore

    def fail(self, must_create=False):
        from django.contrib.sessions.backends.base import UpdateError

        try:
            raise OperationalError("server closed the connection unexpectedly")
        except OperationalError:
            raise UpdateError  # noqa: B904 (as Django's SessionStore.save does)

    client = client_for(importer_bam)
    monkeypatch.setattr(SessionStore, "save", fail)
    response = client.get("/en/?business=123456782")
    assert response.status_code == 503
    assert "The portal is unavailable for a moment" in response.content.decode()
