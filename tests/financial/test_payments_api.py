"""The payments API as callers use it: list an account's payments with their status and
allocations (cursor pages), one payment, its receipt PDF, and `declarations` chosen when
paying (contract: Payments)."""

import pytest

from accounts.models import ProgramAccount
from financial.models import Declaration, Payment
from financial.services import payment_return, payment_settle
from tests.factories import filed_declaration

pytestmark = pytest.mark.django_db

PAYMENT_FIELDS = {
    "id",
    "bn15",
    "amount",
    "method",
    "status",
    "created_at",
    "settled_at",
    "returned_at",
    "return_reason",
    "declarations",
    "allocations",
    "unapplied",
    "receipt_number",
}


def declare(user, account, value: str) -> Declaration:
    return filed_declaration(user, account, value=value, vendor="Acme", duty_rate="0")


def pay(client, account, body, key):
    return client.post(
        f"/api/v1/program-accounts/{account.bn15}/payments/",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_a_payment_from_pending_to_settled_with_its_allocations(
    client_for, importer_bam, officer, rm1
):
    older = declare(importer_bam, rm1, "1000.00")  # $50.00 owed
    newer = declare(importer_bam, rm1, "400.00")  # $20.00 owed
    client = client_for(importer_bam)
    made = pay(client, rm1, {"amount": "60.00", "method": "online_banking"}, "a")
    assert made.status_code == 201
    body = made.json()
    assert set(body) == PAYMENT_FIELDS
    assert (body["status"], body["allocations"], body["unapplied"]) == ("pending", [], None)
    assert body["receipt_number"] is None and body["return_reason"] == ""
    url = f"/api/v1/program-accounts/{rm1.bn15}/payments/{body['id']}/"
    assert client.get(url + "receipt.pdf").status_code == 404
    payment_settle(officer=officer, payment=Payment.objects.get(pk=body["id"]))
    detail = client.get(url).json()
    assert detail["status"] == "settled" and detail["unapplied"] == "0.00"
    assert [(a["transaction_number"], a["kind"], a["amount"]) for a in detail["allocations"]] == [
        (older.transaction_number, "charge", "50.00"),
        (newer.transaction_number, "charge", "10.00"),
    ]
    assert detail["receipt_number"] == f"P{body['id']:010d}"
    receipt = client.get(url + "receipt.pdf")
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    assert receipt.content.startswith(b"%PDF")


def test_the_list_is_newest_first_in_cursor_pages(client_for, importer_bam, rm1):
    client = client_for(importer_bam)
    for n in range(3):
        pay(client, rm1, {"amount": f"{n + 1}.00", "method": "debit_card"}, f"k{n}")
    url = f"/api/v1/program-accounts/{rm1.bn15}/payments/"
    first = client.get(url + "?page_size=2").json()
    assert [p["amount"] for p in first["results"]] == ["3.00", "2.00"]
    second = client.get(first["next"]).json()
    assert [p["amount"] for p in second["results"]] == ["1.00"] and second["next"] is None
    assert all(p["status"] == "settled" for p in first["results"])


def test_a_returned_payment_gives_its_reason_and_what_it_paid_is_owed_again(
    client_for, importer_bam, rm1
):
    declare(importer_bam, rm1, "1000.00")
    client = client_for(importer_bam)
    made = pay(client, rm1, {"amount": "50.00", "method": "debit_card"}, "a").json()
    payment_return(payment=Payment.objects.get(pk=made["id"]), reason="901")
    url = f"/api/v1/program-accounts/{rm1.bn15}/payments/{made['id']}/"
    detail = client.get(url).json()
    assert (detail["status"], detail["return_reason"]) == ("returned", "901")
    # Net of the released rows, its credit is set against its own reversal.
    assert [(a["kind"], a["amount"]) for a in detail["allocations"]] == [
        ("payment_return", "50.00")
    ]
    assert detail["receipt_number"] is None and detail["unapplied"] is None
    assert client.get(url + "receipt.pdf").status_code == 404


def test_declarations_chosen_when_paying(client_for, importer_bam, rm1):
    older = declare(importer_bam, rm1, "1000.00")
    newer = declare(importer_bam, rm1, "400.00")
    client = client_for(importer_bam)
    body = {"amount": "20.00", "method": "debit_card", "declarations": [newer.transaction_number]}
    refused = pay(client, rm1, body, "a")
    assert refused.status_code == 400 and refused.json()["code"] == "chosen_not_enabled"
    ProgramAccount.objects.filter(pk=rm1.pk).update(payments_applied="chosen")
    made = pay(client, rm1, body, "b")
    assert made.status_code == 201
    assert made.json()["declarations"] == [newer.transaction_number]
    assert [a["transaction_number"] for a in made.json()["allocations"]] == [
        newer.transaction_number
    ]
    newer.refresh_from_db()
    older.refresh_from_db()
    assert (newer.status, older.status) == ("paid", "payment_required")
    unknown = pay(client, rm1, {**body, "declarations": ["00000000000000"]}, "c")
    assert unknown.status_code == 400 and unknown.json()["code"] == "chosen_unknown"
    malformed = pay(client, rm1, {**body, "declarations": ["12"]}, "d")
    assert malformed.status_code == 400 and "declarations" in malformed.json()["errors"]


def test_a_broker_with_payment_visibility_reads_the_clients_payments(
    client_for, importer_bam, broker_bm, broker_pm, rm1
):
    pay(client_for(importer_bam), rm1, {"amount": "9.99", "method": "debit_card"}, "a")
    url = f"/api/v1/program-accounts/{rm1.bn15}/payments/"
    listed = client_for(broker_bm).get(url).json()["results"]
    assert [p["amount"] for p in listed] == ["9.99"]
    assert client_for(broker_pm).get(url).status_code == 403


def test_a_payer_who_does_not_see_payments_gets_no_allocations(
    client_for, importer_bam, broker_bm, rm1
):
    from delegation.models import Relationship

    declare(importer_bam, rm1, "1000.00")
    Relationship.objects.filter(importer=rm1.business).update(sees_statements=False)
    made = pay(client_for(broker_bm), rm1, {"amount": "5.00", "method": "debit_card"}, "a")
    assert made.status_code == 201 and made.json()["allocations"] == []
    assert Payment.objects.get().status == "settled"  # it did pay, oldest first
