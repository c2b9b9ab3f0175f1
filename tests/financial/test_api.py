"""The ledger's HTTP API (README: API)."""

import csv
import io
from decimal import Decimal as D

import pytest
from django.utils import timezone

from financial.models import Declaration, Payment, Posting
from financial.selectors import account_balance

pytestmark = pytest.mark.django_db

BODY = {
    "release_date": str(timezone.localdate()),
    "port_of_entry": "0497",
    "vendor": "Acme Electronics GmbH",
    "lines": [
        {
            "hs_code": "8471300000",
            "description": "Laptops",
            "quantity": "10",
            "value_for_duty": "1000.00",
            "duty_rate": "0.065",
        }
    ],
}


def test_file_a_declaration(client_for, importer_bam, rm1):
    response = client_for(importer_bam).post(
        f"/api/v1/program-accounts/{rm1.bn15}/declarations/", BODY, content_type="application/json"
    )
    assert response.status_code == 201
    body = response.json()
    assert len(body["transaction_number"]) == 14
    assert (body["total"], body["status"]) == ("118.25", "payment_required")
    line = body["lines"][0]
    assert (line["duty"], line["gst"], line["total"], line["gst_rate"]) == (
        "65.00",
        "53.25",
        "118.25",
        "0.05000",
    )
    listing = (
        client_for(importer_bam).get(f"/api/v1/program-accounts/{rm1.bn15}/declarations/").json()
    )
    assert [d["transaction_number"] for d in listing["results"]] == [body["transaction_number"]]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"port_of_entry": "97"}, "port_of_entry"),
        ({"lines": []}, "lines"),
        ({"lines": [{**BODY["lines"][0], "duty_rate": "6.5"}]}, "lines"),
        ({"lines": [{**BODY["lines"][0], "hs_code": "84"}]}, "lines"),
    ],
)
def test_bad_declarations_name_the_field(client_for, importer_bam, rm1, change, field):
    response = client_for(importer_bam).post(
        f"/api/v1/program-accounts/{rm1.bn15}/declarations/",
        {**BODY, **change},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Declaration.objects.exists()


def test_a_future_release_is_refused_with_its_code(client_for, importer_bam, rm1):
    body = {
        **BODY,
        "release_date": str(timezone.localdate().replace(year=timezone.localdate().year + 1)),
    }
    response = client_for(importer_bam).post(
        f"/api/v1/program-accounts/{rm1.bn15}/declarations/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The release date cannot be in the future.",
        "code": "release_in_future",
    }


def test_declaration_detail_and_correction(client_for, importer_bam, rm1):
    client = client_for(importer_bam)
    number = client.post(
        f"/api/v1/program-accounts/{rm1.bn15}/declarations/", BODY, content_type="application/json"
    ).json()["transaction_number"]
    lines = [{**BODY["lines"][0], "value_for_duty": "800.00"}]
    response = client.post(
        f"/api/v1/declarations/{number}/corrections/",
        {"reason_code": "valuation", "lines": lines},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["kind"] == "adjustment"  # no RPP on this account
    detail = client.get(f"/api/v1/declarations/{number}/").json()
    assert [v["number"] for v in detail["versions"]] == [1, 2]
    assert detail["versions"][1]["status"] == "pending"


def pay(client, account, body, key="key-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(
        f"/api/v1/program-accounts/{account.bn15}/payments/",
        body,
        content_type="application/json",
        **headers,
    )


def test_payments_need_an_idempotency_key(client_for, importer_bam, rm1):
    response = pay(client_for(importer_bam), rm1, {"amount": "10.00", "method": "wire"}, key=None)
    assert response.status_code == 400 and response.json()["code"] == "idempotency_key"
    assert not Payment.objects.exists()


def test_a_replay_returns_the_first_answer_and_another_body_is_refused(
    client_for, importer_bam, rm1
):
    client = client_for(importer_bam)
    first = pay(client, rm1, {"amount": "10.00", "method": "debit_card"})
    replay = pay(client, rm1, {"amount": "10.00", "method": "debit_card"})
    assert first.status_code == replay.status_code == 201
    assert first.json() == replay.json() and replay["Idempotent-Replayed"] == "true"
    other = pay(client, rm1, {"amount": "11.00", "method": "debit_card"})
    assert other.status_code == 409 and other.json()["code"] == "idempotency_conflict"
    assert Posting.objects.count() == 1 and account_balance(rm1) == D("-10.00")


@pytest.mark.parametrize(
    "body",
    [
        {"amount": "0", "method": "wire"},
        {"amount": "1.001", "method": "wire"},
        {"amount": "5", "method": "cash"},
        {"amount": "1e3", "method": "wire"},
        {"amount": "１２", "method": "wire"},
        {"amount": "NaN", "method": "wire"},
        {"amount": True, "method": "wire"},
        {"amount": "1000000000.01", "method": "wire"},
        {"amount": "999999999999.99", "method": "wire"},
    ],
)
def test_bad_payments(client_for, importer_bam, rm1, body):
    response = pay(client_for(importer_bam), rm1, body)
    assert response.status_code == 400
    assert not Payment.objects.exists()


def test_transactions_with_filters_and_csv(client_for, importer_bam, rm1):
    client = client_for(importer_bam)
    client.post(
        f"/api/v1/program-accounts/{rm1.bn15}/declarations/", BODY, content_type="application/json"
    )
    pay(client, rm1, {"amount": "18.25", "method": "debit_card"})
    results = client.get(f"/api/v1/program-accounts/{rm1.bn15}/transactions/").json()["results"]
    assert [(r["kind"], r["amount"]) for r in results] == [
        ("payment", "-18.25"),
        ("charge", "118.25"),
    ]
    only = client.get(f"/api/v1/program-accounts/{rm1.bn15}/transactions/?kind=charge").json()[
        "results"
    ]
    assert [r["kind"] for r in only] == ["charge"]
    response = client.get(f"/api/v1/program-accounts/{rm1.bn15}/transactions/?format=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 3 and rows[1][1] == "payment"


def test_a_broker_without_others_transactions_gets_only_its_own_in_the_api(
    client_for, importer_bam, broker_bm, rm1
):
    client_for(importer_bam).post(
        f"/api/v1/program-accounts/{rm1.bn15}/declarations/", BODY, content_type="application/json"
    )
    mine = (
        client_for(broker_bm)
        .post(
            f"/api/v1/program-accounts/{rm1.bn15}/declarations/",
            BODY,
            content_type="application/json",
        )
        .json()["transaction_number"]
    )
    seen = (
        client_for(broker_bm)
        .get(f"/api/v1/program-accounts/{rm1.bn15}/transactions/")
        .json()["results"]
    )
    assert [r["transaction_number"] for r in seen] == [mine]
    listed = (
        client_for(broker_bm)
        .get(f"/api/v1/program-accounts/{rm1.bn15}/declarations/")
        .json()["results"]
    )
    assert [d["transaction_number"] for d in listed] == [mine]


def test_history_dates_are_eastern_days_and_bad_ones_are_400(client_for, importer_bam, rm1):
    import datetime

    from financial.calendar import EASTERN
    from financial.services import posting_create

    late_evening = datetime.datetime(2026, 10, 31, 23, 30, tzinfo=EASTERN)  # Nov 1 in UTC
    posting_create(
        program_account=rm1, kind="charge", amount=D("7.00"), gst=D("7.00"), posted_at=late_evening
    )
    client = client_for(importer_bam)
    url = f"/api/v1/program-accounts/{rm1.bn15}/transactions/"
    october = client.get(url, {"posted_after": "2026-10-31", "posted_before": "2026-10-31"})
    assert [p["amount"] for p in october.json()["results"]] == ["7.00"]
    november = client.get(url, {"posted_after": "2026-11-01"})
    assert november.json()["results"] == []
    bad = client.get(url, {"posted_after": "31/10/2026"})
    assert bad.status_code == 400 and "posted_after" in bad.json()["errors"]
