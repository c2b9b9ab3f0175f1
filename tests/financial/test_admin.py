"""Officers decide adjustments in admin; the ledger is read-only there."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from financial.models import DeclarationVersion, Posting
from financial.services import declaration_correct, declaration_file
from notifications.models import Notification

pytestmark = pytest.mark.django_db

LINE = {
    "hs_code": "8471300000",
    "description": "Laptops",
    "quantity": D("1"),
    "value_for_duty": D("1000.00"),
    "duty_rate": D("0.065"),
}


def test_an_officer_approves_an_adjustment_from_admin(client_for, importer_bam, officer, rm1):
    declaration = declaration_file(
        actor=importer_bam,
        program_account=rm1,
        release_date=timezone.localdate() - datetime.timedelta(days=1),
        port_of_entry="0497",
        vendor="Acme",
        lines=[LINE],
    )
    version = declaration_correct(
        actor=importer_bam,
        declaration=declaration,
        reason_code="classification",
        lines=[{**LINE, "duty_rate": D("0.08")}],
    )
    assert version.status == "pending"
    response = client_for(officer).post(
        reverse("admin:financial_declarationversion_changelist"),
        {"action": "approve_adjustments", "_selected_action": [version.pk]},
    )
    assert response.status_code == 302
    assert DeclarationVersion.objects.get(pk=version.pk).status == "approved"
    assert Posting.objects.get(kind="adjustment").amount == D("15.75")
    notice = Notification.objects.get(recipient=importer_bam, kind="adjustment_decision")
    assert notice.body.endswith("was approved.")


def test_postings_cannot_be_edited_in_admin(client_for, officer, importer_bam, rm1):
    declaration_file(
        actor=importer_bam,
        program_account=rm1,
        release_date=timezone.localdate(),
        port_of_entry="0497",
        vendor="Acme",
        lines=[LINE],
    )
    posting = Posting.objects.get()
    client = client_for(officer)
    assert client.get(reverse("admin:financial_posting_changelist")).status_code == 200
    response = client.post(
        reverse("admin:financial_posting_change", args=[posting.pk]), {"amount": "1.00"}
    )
    assert response.status_code == 403
    assert Posting.objects.get().amount == D("118.25")
