"""Statements on the web and in the API (page, PDF, CSV), and the warning before paying what
a broker already paid."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse

from financial.models import Payment
from financial.services import payment_create
from tests.factories import StatementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def statement(rm1):
    return StatementFactory(
        program_account=rm1,
        previous_balance=D("850.00"),
        corrections=D("-40.00"),
        payments=D("850.00"),
        charges=D("1300.50"),
        duty=D("100.00"),
        gst=D("1160.50"),
    )


def test_the_statement_page_in_both_languages(client_for, importer_bam, rm1, statement):
    client = client_for(importer_bam)
    listing = client.get(reverse("statements", args=[rm1.bn15])).content.decode()
    assert "$1,260.50" in listing and "2026-10-17.pdf" in listing
    page = client.get(reverse("statement", args=[rm1.bn15, "2026-10-17"])).content.decode()
    for text in ("Previous balance", "$850.00", "-$40.00", "Total payable", "$1,260.50"):
        assert text in page
    history = reverse("transactions", args=[rm1.bn15])
    assert f"{history}?posted_after=2026-09-18&amp;posted_before=2026-10-17" in page
    french = client.get(
        reverse("statement", args=[rm1.bn15, "2026-10-17"]).replace("/en/", "/fr/")
    ).content.decode()
    assert "Solde précédent" in french and "Total à payer" in french


def test_the_pdf_has_bilingual_headings(client_for, importer_bam, rm1, statement):
    response = client_for(importer_bam).get(reverse("statement_pdf", args=[rm1.bn15, "2026-10-17"]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"{rm1.bn15}-statement-2026-10-17.pdf" in response["Content-Disposition"]


def test_the_pdf_is_tagged_and_lists_the_periods_transactions(
    client_for, importer_bam, rm1, statement
):
    """PDF/UA: a structure tree, marked tagged, its language named; and the period's
    transactions, not those before or after it."""
    import io

    import pypdf

    from financial.calendar import EASTERN
    from financial.services import posting_create

    def at(day):
        return datetime.datetime.combine(day, datetime.time(12), tzinfo=EASTERN)

    for number, day in (
        ("11111111111111", datetime.date(2026, 9, 17)),  # the period before
        ("22222222222222", datetime.date(2026, 9, 18)),  # its first day
        ("33333333333333", datetime.date(2026, 10, 17)),  # its last day
        ("44444444444444", datetime.date(2026, 10, 18)),  # the next
    ):
        posting_create(
            program_account=rm1,
            kind="charge",
            amount=D("10.00"),
            gst=D("10.00"),
            transaction_number=number,
            posted_at=at(day),
        )
    response = client_for(importer_bam).get(reverse("statement_pdf", args=[rm1.bn15, "2026-10-17"]))
    pdf = pypdf.PdfReader(io.BytesIO(response.content))
    root = pdf.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert str(root["/Lang"]).startswith("en")
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "Transactions of the period / Transactions de la période" in text
    assert "22222222222222" in text and "33333333333333" in text
    assert "11111111111111" not in text and "44444444444444" not in text


def test_every_pdf_is_written_tagged_in_one_place():
    """No document is made with WeasyPrint but through carm.pdf (PDF/UA)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    writers = [
        path.relative_to(root).as_posix()
        for folder in (
            "accounts",
            "carm",
            "cases",
            "delegation",
            "enrolment",
            "financial",
            "notifications",
            "payments",
            "security",
        )
        for path in (root / folder).rglob("*.py")
        if "write_pdf(" in path.read_text()
    ]
    assert writers == ["carm/pdf.py"]


def test_the_csv_gives_lines_a_to_h_and_the_split(client_for, importer_bam, rm1, statement):
    response = client_for(importer_bam).get(reverse("statement_csv", args=[rm1.bn15, "2026-10-17"]))
    lines = response.content.decode().splitlines()
    assert lines[0] == "line,amount"
    assert "A previous_balance,850.00" in lines
    assert "H total_payable,1260.50" in lines
    assert "revenue gst,1160.50" in lines


def test_an_unknown_period_is_404(client_for, importer_bam, rm1, statement):
    client = client_for(importer_bam)
    assert client.get(reverse("statement", args=[rm1.bn15, "2026-09-17"])).status_code == 404
    assert client.get(reverse("statement", args=[rm1.bn15, "not-a-date"])).status_code == 404


def test_the_api_gives_statements_as_json_pdf_and_csv(client_for, importer_bam, rm1, statement):
    client = client_for(importer_bam)
    listing = client.get(f"/api/v1/program-accounts/{rm1.bn15}/statements/").json()
    assert listing["results"][0]["total_payable"] == "1260.50"
    assert listing["results"][0]["due_date"] == "2026-10-30"
    one = client.get(f"/api/v1/program-accounts/{rm1.bn15}/statements/2026-10-17/").json()
    assert one["previous_balance"] == "850.00" and one["gst"] == "1160.50"
    pdf = client.get(f"/api/v1/program-accounts/{rm1.bn15}/statements/2026-10-17.pdf")
    assert pdf.content.startswith(b"%PDF")
    csv = client.get(f"/api/v1/program-accounts/{rm1.bn15}/statements/2026-10-17.csv")
    assert "H total_payable,1260.50" in csv.content.decode()
    missing = client.get(f"/api/v1/program-accounts/{rm1.bn15}/statements/2026-09-17/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_a_broker_without_statements_visibility_sees_none(client_for, broker_pm, rm1, statement):
    client = client_for(broker_pm)
    assert client.get(reverse("statements", args=[rm1.bn15])).status_code == 403
    assert client.get(f"/api/v1/program-accounts/{rm1.bn15}/statements/").status_code == 403
    page = client.get(reverse("program_account", args=[rm1.bn15])).content.decode()
    assert "Statements of Account" not in page


# --- Paying what the broker paid --------------------------------------------------------


def pay_form(client, rm1, **data):
    return client.post(
        reverse("pay", args=[rm1.bn15]),
        {"amount": "100.00", "method": "debit_card", "idempotency_key": "k-1", **data},
    )


def test_the_importer_is_warned_before_paying_what_its_broker_paid(
    client_for, importer_bam, broker_bm, rm1
):
    payment_create(
        actor=broker_bm,
        program_account=rm1,
        amount=D("236.50"),
        method="wire",
        idempotency_key="broker-1",
    )
    client = client_for(importer_bam)
    page = client.get(reverse("pay", args=[rm1.bn15])).content.decode()
    assert "Your service provider already paid this billing period" in page
    assert "Northern Customs Brokers Ltd. paid $236.50" in page

    refused = pay_form(client, rm1)
    assert refused.status_code == 200
    assert "Confirm that this payment is not for transactions your provider paid." in (
        refused.content.decode()
    )
    assert Payment.objects.count() == 1  # nothing paid
    assert 'value="100.00"' in refused.content.decode()  # what was typed stays

    assert pay_form(client, rm1, not_a_duplicate="on").status_code == 302
    assert Payment.objects.count() == 2


def test_no_warning_without_a_provider_payment_or_for_the_broker_itself(
    client_for, importer_bam, broker_bm, rm1
):
    assert pay_form(client_for(importer_bam), rm1).status_code == 302
    payment_create(
        actor=broker_bm, program_account=rm1, amount=D("5.00"), method="wire", idempotency_key="b"
    )
    page = client_for(broker_bm).get(reverse("pay", args=[rm1.bn15])).content.decode()
    assert "already paid" not in page


def test_an_old_provider_payment_does_not_warn(client_for, importer_bam, broker_bm, rm1):
    import time_machine

    with time_machine.travel(datetime.datetime(2026, 9, 1, 12), tick=False):
        payment_create(
            actor=broker_bm,
            program_account=rm1,
            amount=D("5.00"),
            method="wire",
            idempotency_key="o",
        )
    with time_machine.travel(datetime.datetime(2026, 11, 20, 12), tick=False):
        page = client_for(importer_bam).get(reverse("pay", args=[rm1.bn15])).content.decode()
    assert "already paid" not in page


def test_pay_this_statement_offers_what_is_still_owed_of_it(
    client_for, importer_bam, reader, rm1, statement
):
    from financial.services import posting_create

    url = reverse("statement", args=[rm1.bn15, "2026-10-17"])
    pay = reverse("pay", args=[rm1.bn15])
    posting_create(program_account=rm1, kind="charge", amount=D("1260.50"), gst=D("1260.50"))
    page = client_for(importer_bam).get(url).content.decode()
    assert f'href="{pay}?amount=1260.50"' in page and "Pay this statement: $1,260.50" in page
    # A reader may not pay: no button.
    assert "Pay this statement" not in client_for(reader).get(url).content.decode()
    # Part paid since: only the rest; all paid: no button.
    payment_create(
        actor=importer_bam,
        program_account=rm1,
        amount=D("1000.00"),
        method="debit_card",
        idempotency_key="part",
    )
    assert "Pay this statement: $260.50" in client_for(importer_bam).get(url).content.decode()
    payment_create(
        actor=importer_bam,
        program_account=rm1,
        amount=D("260.50"),
        method="debit_card",
        idempotency_key="rest",
    )
    assert "Pay this statement" not in client_for(importer_bam).get(url).content.decode()
    # The pay page opens with the amount filled in.
    form = client_for(importer_bam).get(f"{pay}?amount=1260.50").content.decode()
    assert 'value="1260.50"' in form
