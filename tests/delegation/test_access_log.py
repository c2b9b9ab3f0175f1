"""The importer's access log: the authorization module only answers; a page served to a
provider's employee logs "viewed", a change logs "changed" once, in the service that made
it, and only when it succeeded."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from delegation.models import AccessLogEntry
from delegation.permissions import Action, get_program_account_for
from financial.models import Declaration, Payment
from financial.selectors import get_declaration_for
from tests.financial.test_pages import declaration_post, form_line

pytestmark = pytest.mark.django_db

CHANGED = AccessLogEntry.Action.CHANGED
VIEWED = AccessLogEntry.Action.VIEWED


def entries(action: str) -> list[tuple[str, str]]:
    return list(AccessLogEntry.objects.filter(action=action).values_list("user__email", "what"))


def test_asking_the_authorization_module_writes_nothing(broker_bm, rm1, reader):
    get_program_account_for(broker_bm, rm1.bn15, Action.FILE_DECLARATION)
    get_program_account_for(broker_bm, rm1.bn15, Action.PAY)
    with pytest.raises(PermissionDenied):
        get_program_account_for(broker_bm, rm1.bn15, Action.VIEW_SECURITY)
    assert not AccessLogEntry.objects.exists()


def test_opening_a_form_or_posting_invalid_data_logs_no_change(client_for, broker_bm, rm1):
    client = client_for(broker_bm)
    client.get(reverse("declaration_new", args=[rm1.bn15]))
    client.get(reverse("pay", args=[rm1.bn15]))
    client.post(reverse("pay", args=[rm1.bn15]), {})  # an empty payment
    invalid = declaration_post(form_line(0, hs_code="12"))
    assert client.post(reverse("declaration_new", args=[rm1.bn15]), invalid).status_code == 200
    assert not Declaration.objects.exists() and not Payment.objects.exists()
    assert entries(CHANGED) == []
    assert len(entries(VIEWED)) == 4  # each page served


def test_a_successful_filing_logs_exactly_one_change(client_for, broker_bm, rm1):
    response = client_for(broker_bm).post(
        reverse("declaration_new", args=[rm1.bn15]), declaration_post(form_line(0))
    )
    assert response.status_code == 302
    declaration = Declaration.objects.get()
    assert entries(CHANGED) == [("bam@broker.example", declaration.transaction_number)]


def test_a_payment_logs_one_change_and_its_replay_none(client_for, broker_bm, rm1):
    api = client_for(broker_bm)
    url = reverse("api-payments", args=[rm1.bn15])
    body = {"amount": "10.00", "method": "debit_card"}
    for _ in range(2):
        api.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert Payment.objects.get().amount == Decimal("10.00")
    assert entries(CHANGED) == [("bam@broker.example", "pay")]


def test_pages_and_the_api_log_what_a_third_party_was_shown(client_for, broker_bm, rm1):
    client = client_for(broker_bm)
    client.get(reverse("program_account", args=[rm1.bn15]))
    client.get(reverse("transactions", args=[rm1.bn15]))
    client.get(reverse("api-program-account", args=[rm1.bn15]))
    client.get(reverse("api-statements", args=[rm1.bn15]))
    assert entries(VIEWED) == [
        ("bam@broker.example", "view_statements"),
        ("bam@broker.example", "view_account"),
        ("bam@broker.example", "view_own_transactions"),
        ("bam@broker.example", "view_account"),
    ]


def test_the_importers_own_people_are_not_logged(client_for, importer_bam, rm1):
    client = client_for(importer_bam)
    client.get(reverse("program_account", args=[rm1.bn15]))
    client.post(reverse("declaration_new", args=[rm1.bn15]), declaration_post(form_line(0)))
    assert Declaration.objects.exists()
    assert not AccessLogEntry.objects.exists()


def test_reading_a_declaration_through_the_selector_writes_nothing(client_for, broker_bm, rm1):
    client_for(broker_bm).post(
        reverse("declaration_new", args=[rm1.bn15]), declaration_post(form_line(0))
    )
    number = Declaration.objects.get().transaction_number
    before = AccessLogEntry.objects.count()
    get_declaration_for(broker_bm, number, Action.CORRECT_DECLARATION)
    assert AccessLogEntry.objects.count() == before
