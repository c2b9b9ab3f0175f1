"""The officers' admin writes amounts and dates as the portal does, in the officer's
language; what officers type stays a plain decimal and an ISO date."""

import datetime
from decimal import Decimal as D

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from financial.models import Invoice
from financial.services import invoice_issue
from security.models import CashDeposit

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


@pytest.fixture
def invoice(officer, rm1):
    return invoice_issue(
        officer=officer,
        program_account=rm1,
        kind=Invoice.Kind.AMP,
        amount=D("35217.46"),
        due_date=datetime.date(2027, 3, 1),
        reference="AMP-2026-000777",
    )


def admin_in(client, language: str):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_an_invoice_in_the_list_and_on_its_page_in_english(client_for, officer, invoice):
    client = admin_in(client_for(officer), "en")
    listing = client.get(reverse("admin:financial_invoice_changelist")).content.decode()
    assert "$35,217.46" in listing and "March 1, 2027" in listing
    assert "35217.46" not in listing and "2027-03-01" not in listing
    page = client.get(reverse("admin:financial_invoice_change", args=[invoice.pk]))
    assert "$35,217.46" in page.content.decode() and "March 1, 2027" in page.content.decode()


def test_an_invoice_in_the_list_and_on_its_page_in_french(client_for, officer, invoice):
    client = admin_in(client_for(officer), "fr")
    listing = client.get(reverse("admin:financial_invoice_changelist")).content.decode()
    assert 'lang="fr"' in listing
    assert f"35{NBSP}217,46{NBSP}$" in listing and "1er mars 2027" in listing
    page = client.get(reverse("admin:financial_invoice_change", args=[invoice.pk]))
    assert f"35{NBSP}217,46{NBSP}$" in page.content.decode()
    assert "1er mars 2027" in page.content.decode()


def test_the_balance_column_is_sorted_by_the_amount_not_its_text(client_for, officer, rm1, rm2):
    from financial.services import posting_create

    posting_create(program_account=rm1, kind="charge", amount=D("900.00"), duty=D("900.00"))
    posting_create(program_account=rm2, kind="charge", amount=D("10000.00"), duty=D("10000.00"))
    client = admin_in(client_for(officer), "en")
    url = reverse("admin:financial_accountbalance_changelist")
    ascending = client.get(url, {"o": "2"}).content.decode()  # the balance column
    assert ascending.index("$900.00") < ascending.index("$10,000.00")
    descending = client.get(url, {"o": "-2"}).content.decode()
    assert descending.index("$10,000.00") < descending.index("$900.00")


def test_an_officer_still_types_plain_amounts_and_iso_dates(client_for, officer, rm1):
    client = admin_in(client_for(officer), "fr")
    form = client.get(reverse("admin:security_cashdeposit_add")).content.decode()
    assert 'name="amount"' in form and 'name="received_on"' in form
    today = timezone.localdate()
    client.post(
        reverse("admin:security_cashdeposit_add"),
        {
            "program_account": rm1.pk,
            "amount": "12500.00",
            "received_on": today.isoformat(),
            "reference": "CD-1",
        },
    )
    assert CashDeposit.objects.get().amount == D("12500.00")
    listing = client.get(reverse("admin:security_cashdeposit_changelist")).content.decode()
    assert f"12{NBSP}500,00{NBSP}$" in listing
