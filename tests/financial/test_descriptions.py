"""The descriptions the portal writes itself are kept in English (exports, API) and shown
in the reader's language (pages, documents); what people typed is shown as typed."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import translation

from financial.calendar import EASTERN
from financial.descriptions import described
from financial.models import Posting
from financial.services import payment_create, payment_return, posting_create

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kept", "english", "french"),
    [
        ("Online banking", "Online banking", "Services bancaires en ligne"),
        ("Not enough money in the account (NSF)", None, "Provision insuffisante (NSF)"),
        (
            "Interest 2026-06-18 – 2026-07-17",
            "Interest from June 18, 2026 to July 17, 2026",
            "Intérêts du 18 juin 2026 au 17 juillet 2026",
        ),
        ("Correction v2", "Correction, version 2", "Correction, version 2"),
        ("Adjustment v3", "Adjustment, version 3", "Rajustement, version 3"),
        ("Acme Textiles", "Acme Textiles", "Acme Textiles"),  # typed by a person
        ("Interest on my own terms", "Interest on my own terms", "Interest on my own terms"),
    ],
)
def test_a_description_in_each_language(kept, english, french):
    with translation.override("en"):
        assert described(kept) == (english or kept)
    with translation.override("fr"):
        assert described(kept) == french


def test_a_payment_made_in_french_is_kept_in_english_and_read_in_each_language(
    client_for, importer_bam, rm1
):
    with translation.override("fr"):
        payment, _created = payment_create(
            actor=importer_bam,
            program_account=rm1,
            amount=D("25.00"),
            method="debit_card",
            idempotency_key="fr",
        )
        payment_return(payment=payment, reason="901")
    kept = set(Posting.objects.filter(program_account=rm1).values_list("description", flat=True))
    assert kept == {"Debit card", "Not enough money in the account (NSF)"}
    url = reverse("transactions", args=[rm1.bn15])
    french = client_for(importer_bam).get(url.replace("/en/", "/fr/")).content.decode()
    assert "Carte de débit" in french and "Provision insuffisante (NSF)" in french
    assert "Debit card" not in french
    english = client_for(importer_bam).get(url).content.decode()
    assert "Debit card" in english and "Carte de débit" not in english


def test_the_interest_line_of_the_history_is_read_in_french(client_for, importer_bam, rm1):
    posting_create(
        program_account=rm1,
        kind="interest",
        amount=D("3.21"),
        description="Interest 2026-06-18 – 2026-07-17",
        posted_at=datetime.datetime(2026, 7, 17, 23, tzinfo=EASTERN),
    )
    url = reverse("transactions", args=[rm1.bn15]).replace("/en/", "/fr/")
    page = client_for(importer_bam).get(url).content.decode()
    assert "Intérêts du 18 juin 2026 au 17 juillet 2026" in page
