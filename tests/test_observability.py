"""Logs are JSON lines carrying the request's id; errors go to Sentry when SENTRY_DSN is
set (issue 16, item 3)."""

import io
import json
import logging
import logging.config
import sys

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_log():
    """The production formatter of settings.LOGGING, on a stream this test reads."""
    config = {**settings.LOGGING}
    stream = io.StringIO()
    from carm.observability import logging_config

    formatter = logging_config("INFO", json=True)["formatters"]["structured"]
    factory = formatter.pop("()")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(factory(**formatter))
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line]
    root.removeHandler(handler)
    assert config == settings.LOGGING


def test_a_requests_log_lines_are_json_with_its_id(client_for, importer_bam, json_log):
    response = client_for(importer_bam).get("/en/no-such-page/")
    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    lines = [line for line in json_log() if line.get("request_id") == request_id]
    assert lines, json_log()
    line = lines[0]
    assert (line["logger"], line["level"], line["path"]) == (
        "django.request",
        "warning",
        "/en/no-such-page/",
    )
    assert "timestamp" in line and "Not Found" in line["event"]


def test_the_load_balancers_request_id_is_kept_and_a_bad_one_replaced(client):
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="lb-2f9c0e1a-77aa")
    assert kept["X-Request-ID"] == "lb-2f9c0e1a-77aa"
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="<script>\n")
    assert replaced["X-Request-ID"] != "<script>\n" and len(replaced["X-Request-ID"]) == 32


SENTRY_CHECK = """
import json, os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
django.setup()
import sentry_sdk
from sentry_sdk.transport import Transport
from django.test import Client
from carm import views
from carm.observability import sentry_init

events = []

class Capture(Transport):
    def capture_envelope(self, envelope):
        events.extend(i.payload.json for i in envelope.items if i.type == "event")

def fail():
    raise RuntimeError("the health check broke")

views._database_answers = fail
sentry_init("https://public@sentry.example.invalid/1", environment="test",
            traces_sample_rate=0.0, transport=Capture)
client = Client(raise_request_exception=False)
response = client.get("/healthz", HTTP_X_REQUEST_ID="req-0123456789")
sentry_sdk.flush()
print(json.dumps({"status": response.status_code, "events": events}))
"""


def test_an_error_is_reported_to_sentry_with_the_request_id():
    """In a process of its own: Sentry's integrations patch Django for the process."""
    import os
    import subprocess
    import sys

    from tests.test_settings import ROOT

    result = subprocess.run(
        [sys.executable, "-c", SENTRY_CHECK],
        cwd=ROOT,
        env={**os.environ, "ALLOWED_HOSTS": "testserver"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    outcome = json.loads(result.stdout.splitlines()[-1])
    assert outcome["status"] == 500
    errors = [event for event in outcome["events"] if event.get("exception")]
    assert errors, outcome["events"]
    event = errors[0]
    assert event["exception"]["values"][-1]["value"] == "the health check broke"
    assert event["tags"]["request_id"] == "req-0123456789"
    assert "ip_address" not in json.dumps(event.get("user", {}))  # no personal information


def test_production_settings_turn_sentry_on_only_with_a_dsn():
    from tests.test_settings import PRODUCTION, manage

    script = "import sentry_sdk; print(sentry_sdk.get_client().is_active())"
    off = manage("shell", "-c", script, env=PRODUCTION)
    on = manage("shell", "-c", script, env={**PRODUCTION, "SENTRY_DSN": "https://k@s.invalid/1"})
    assert off.stdout.splitlines()[-1] == "False", off.stderr
    assert on.stdout.splitlines()[-1] == "True", on.stderr


def test_a_refusal_is_one_line_without_a_traceback(client_for, reader, maple, json_log):
    """A 403 is the portal working as meant: logged once, with no traceback."""
    response = client_for(reader).get(f"/en/businesses/{maple.bn9}/employees/")
    assert response.status_code == 403
    request_id = response["X-Request-ID"]
    lines = [line for line in json_log() if line.get("request_id") == request_id]
    assert len(lines) == 1, lines
    assert "exception" not in lines[0] and "Traceback" not in json.dumps(lines[0])
    assert logging.getLogger("django").handlers == []


def test_an_error_keeps_its_traceback():
    from carm.observability import ExpectedRefusals

    try:
        raise ValueError("boom")
    except ValueError:
        error = logging.LogRecord("django.request", logging.ERROR, "", 0, "x", (), sys.exc_info())
        refusal = logging.LogRecord(
            "django.request", logging.WARNING, "", 0, "x", (), sys.exc_info()
        )
    error.status_code, refusal.status_code = 500, 403
    assert ExpectedRefusals().filter(error) and error.exc_info is not None
    assert ExpectedRefusals().filter(refusal) and refusal.exc_info is None
