"""The API against its own schema (issue 16, item 6): schemathesis generates requests
from `/api/schema/` for every operation, valid and not, and sends them through the WSGI
application signed in with maple.bam's API key on the demo data. No answer may be a 5xx,
and every answer must be one the schema documents, with the documented content type,
headers and body.

Bounded: `MAX_EXAMPLES` examples an operation (a minute or so for the 33 operations in
CI); `CARM_API_FUZZ_EXAMPLES` asks for more by hand.
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as examples
from schemathesis import checks

MAX_EXAMPLES = int(os.environ.get("CARM_API_FUZZ_EXAMPLES", "20"))

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo's businesses, accounts and history, and an API key of maple.bam."""
    from django.core.management import call_command

    from accounts.models import User
    from accounts.services.keys import api_key_create

    with django_db_blocker.unblock():
        call_command("seed_demo")
        user = User.objects.get(email="maple.bam@example.com")
        _, token = api_key_create(user=user, name="schema fuzz")
    yield {"Authorization": f"Bearer {token}"}
    with django_db_blocker.unblock():
        call_command("flush", interactive=False)


def _load_schema():
    """The schema as /api/schema/ serves it, read through the WSGI application."""
    from django.conf import settings
    from django.test.utils import override_settings

    from carm.wsgi import application

    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "localhost"]):
        loaded = schemathesis.openapi.from_wsgi("/api/schema/", application)
        loaded.raw_schema  # noqa: B018 (read now, while the host is allowed)
    return loaded


schema = _load_schema()

OPERATIONS = 33  # every path and method the API serves, each fuzzed below


def test_the_schema_has_every_operation():
    methods = {"get", "post", "put", "patch", "delete"}
    paths = schema.raw_schema["paths"].values()
    assert sum(method in methods for operations in paths for method in operations) == OPERATIONS


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@examples(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI stays reproducible
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_is_documented_and_none_is_a_server_error(case, demo, monkeypatch, settings):
    from carm.throttling import ApiKeyRateThrottle

    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api": "1000000/minute"})
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    case.call_and_validate(headers=demo, checks=CHECKS)
