"""Officers decide an adjustment or a request to lower the security on its own page: what
it changes beside what it replaces, Approve or Reject, and a note the importer reads (a
rejection needs one)."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import ProgramAccount
from financial.models import DeclarationVersion, Posting
from financial.services import declaration_correct, declaration_file
from notifications.models import Notification
from security.models import ReductionRequest
from security.services import reduction_request
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LINE = {
    "hs_code": "8471300000",
    "description": "Laptops",
    "quantity": D("1"),
    "value_for_duty": D("1000.00"),
    "duty_rate": D("0.065"),
}


@pytest.fixture
def adjustment(importer_bam, rm1):
    declaration = declaration_file(
        actor=importer_bam,
        program_account=rm1,
        release_date=timezone.localdate() - datetime.timedelta(days=1),
        port_of_entry="0497",
        vendor="Acme",
        lines=[LINE, {**LINE, "description": "Monitors", "hs_code": "8528520000"}],
    )
    return declaration_correct(
        actor=importer_bam,
        declaration=declaration,
        reason_code="classification",
        lines=[{**LINE, "duty_rate": D("0.08")}, {**LINE, "description": "Monitors"}],
        comment="Wrong tariff item on line 1",
    )


@pytest.fixture
def reduction(importer_bam, rm1):
    rm1.rpp_status = ProgramAccount.RppStatus.ACTIVE
    rm1.save()
    return reduction_request(
        actor=importer_bam,
        program_account=rm1,
        amount=D("3000.00"),
        justification="Our imports will be much smaller this year.",
    )


def decide_url(version) -> str:
    return reverse("admin:financial_declarationversion_decide", args=[version.pk])


def test_the_adjustment_page_shows_each_line_beside_the_one_it_replaces(
    client_for, officer, adjustment
):
    assert adjustment.status == "pending"
    client = client_for(officer)
    # The list leads there, and so does the object's own address.
    listing = client.get(reverse("admin:financial_declarationversion_changelist"))
    assert decide_url(adjustment) in listing.content.decode()
    change = reverse("admin:financial_declarationversion_change", args=[adjustment.pk])
    assert client.get(change).url == decide_url(adjustment)
    body = client.get(decide_url(adjustment)).content.decode()
    assert "Wrong tariff item on line 1" in body
    assert "replaces version 1" in body
    # Line 1: the rate and what follows from it changed; its description did not.
    assert "<mark>8%</mark>" in body and "6.5%" in body
    assert "<mark>Laptops</mark>" not in body
    # Line 2: its HS code changed, its description did not.
    assert "<mark>8471300000</mark>" in body and "<mark>Monitors</mark>" not in body
    assert 'name="decision" value="approve"' in body and 'name="decision" value="reject"' in body


def test_an_officer_approves_on_the_page_with_a_note(client_for, officer, importer_bam, adjustment):
    response = client_for(officer).post(
        decide_url(adjustment), {"decision": "approve", "note": "Tariff item confirmed."}
    )
    assert response.status_code == 302
    version = DeclarationVersion.objects.get(pk=adjustment.pk)
    assert (version.status, version.decision_note, version.decided_by) == (
        "approved",
        "Tariff item confirmed.",
        officer,
    )
    assert Posting.objects.filter(kind="adjustment").count() == 1
    notice = Notification.objects.get(recipient=importer_bam, kind="adjustment_decision")
    assert "was approved." in notice.body and "Tariff item confirmed." in notice.body


def test_a_rejection_without_a_note_is_refused_and_changes_nothing(client_for, officer, adjustment):
    response = client_for(officer).post(decide_url(adjustment), {"decision": "reject", "note": " "})
    assert response.status_code == 200
    assert "Say why the adjustment is rejected" in response.content.decode()
    assert DeclarationVersion.objects.get(pk=adjustment.pk).status == "pending"
    assert not Notification.objects.filter(kind="adjustment_decision").exists()
    # Neither button: nothing decided either.
    client_for(officer).post(decide_url(adjustment), {"note": "x"})
    assert DeclarationVersion.objects.get(pk=adjustment.pk).status == "pending"


def test_a_rejection_with_its_reason_reaches_the_filer(
    client_for, officer, importer_bam, adjustment
):
    client_for(officer).post(
        decide_url(adjustment), {"decision": "reject", "note": "Send the commercial invoice."}
    )
    version = DeclarationVersion.objects.get(pk=adjustment.pk)
    assert version.status == "rejected"
    assert not Posting.objects.filter(kind="adjustment").exists()
    notice = Notification.objects.get(recipient=importer_bam, kind="adjustment_decision")
    assert "rejected" in notice.body and "Send the commercial invoice." in notice.body
    # Decided: the page shows the decision and offers no buttons.
    body = client_for(officer).get(decide_url(adjustment)).content.decode()
    assert "Send the commercial invoice." in body and 'name="decision"' not in body


def test_staff_without_the_permission_see_the_page_and_decide_nothing(adjustment):
    from django.contrib.auth.models import Permission
    from django.test import Client

    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_declarationversion"))
    client = Client()
    client.force_login(viewer)
    body = client.get(decide_url(adjustment)).content.decode()
    assert "Wrong tariff item on line 1" in body and 'name="decision"' not in body
    assert client.post(decide_url(adjustment), {"decision": "approve"}).status_code == 403
    assert DeclarationVersion.objects.get(pk=adjustment.pk).status == "pending"


def test_the_reduction_page_weighs_the_request_against_what_is_posted(
    client_for, officer, reduction
):
    url = reverse("admin:security_reductionrequest_decide", args=[reduction.pk])
    client = client_for(officer)
    assert url in client.get(reverse("admin:security_reductionrequest_changelist")).content.decode()
    body = client.get(url).content.decode()
    assert "Our imports will be much smaller this year." in body
    assert "<mark>$3,000.00</mark>" in body  # the bond as requested
    assert "$5,000.00" in body  # the requirement in force


def test_a_reduction_rejected_on_the_page_needs_and_sends_its_reason(
    client_for, officer, importer_bam, reduction
):
    url = reverse("admin:security_reductionrequest_decide", args=[reduction.pk])
    client = client_for(officer)
    refused = client.post(url, {"decision": "reject"})
    assert "Say why the request is rejected" in refused.content.decode()
    assert ReductionRequest.objects.get().status == "pending"
    client.post(url, {"decision": "reject", "note": "Your volumes grew in the last quarter."})
    decided = ReductionRequest.objects.get()
    assert (decided.status, decided.decision_note) == (
        "rejected",
        "Your volumes grew in the last quarter.",
    )
    notice = Notification.objects.get(recipient=importer_bam, kind="reduction_decision")
    assert "Your volumes grew in the last quarter." in notice.body


def test_the_adjustment_page_reads_the_same_queries_for_two_lines_or_twelve(
    client_for, officer, importer_bam, rm1, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def adjusted(count: int, vendor: str):
        declaration = declaration_file(
            actor=importer_bam,
            program_account=rm1,
            release_date=timezone.localdate() - datetime.timedelta(days=1),
            port_of_entry="0497",
            vendor=vendor,
            lines=[LINE] * count,
        )
        return declaration_correct(
            actor=importer_bam,
            declaration=declaration,
            reason_code="valuation",
            lines=[{**LINE, "value_for_duty": D("900.00")}] * count,
        )

    client = client_for(officer)
    small, large = adjusted(2, "Small"), adjusted(12, "Large")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(decide_url(small)).status_code == 200
    with django_assert_max_num_queries(len(queries)):
        body = client.get(decide_url(large)).content.decode()
    assert body.count("<mark>$900.00</mark>") == 12
