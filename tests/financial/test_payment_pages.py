"""The payment pages: the account's payments, one payment with its steps and what it paid,
its receipt (page and PDF), the pay page's card limit and chosen declarations, pending
payments shown apart from the balance, and how payments apply."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from accounts.models import ProgramAccount
from delegation.models import AccessLogEntry
from financial.documents import receipt_html
from financial.errors import FinancialError
from financial.models import Payment
from financial.selectors import payment_applications
from financial.services import (
    payment_create,
    payment_return,
    payment_settle,
    payments_applied_set,
)
from tests.factories import filed_declaration

pytestmark = pytest.mark.django_db


def declare(user, account, value: str):
    return filed_declaration(user, account, value=value, vendor="Acme", duty_rate="0")


def pay(user, account, amount: str, method: str = "online_banking", key: str = "k", **extra):
    payment, _created = payment_create(
        actor=user,
        program_account=account,
        amount=D(amount),
        method=method,
        idempotency_key=key,
        **extra,
    )
    return payment


def page(client, name: str, *args, language: str = "en") -> str:
    response = client.get(f"/{language}" + reverse(name, args=args)[3:])
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("language", "pending", "returned", "received"),
    [
        ("en", "Pending", "Not enough money in the account (NSF)", "Settled"),
        ("fr", "En attente", "Provision insuffisante (NSF)", "Réglé"),
    ],
)
def test_the_payments_list_shows_each_status(
    client_for, importer_bam, officer, rm1, language, pending, returned, received
):
    declare(importer_bam, rm1, "1000.00")  # $50.00 of GST
    pay(importer_bam, rm1, "11.11", key="a")
    settled = pay(importer_bam, rm1, "22.22", key="b")
    payment_settle(officer=officer, payment=settled)
    bounced = pay(importer_bam, rm1, "33.33", key="c")
    payment_return(payment=bounced, reason="901")
    body = page(client_for(importer_bam), "payments", rm1.bn15, language=language)
    assert pending in body and received in body and returned in body
    rows = body.split("<tbody>")[1]
    cents = ("33,33", "11,11") if language == "fr" else ("33.33", "11.11")
    assert rows.index(cents[0]) < rows.index(cents[1])  # newest first
    # Pending payments are told apart from the balance.
    assert ("11,11" if language == "fr" else "$11.11") in body.split("carm-inline-notice")[1]


def test_the_payments_list_pages_by_keyset(client_for, importer_bam, rm1, monkeypatch):
    monkeypatch.setattr("financial.views.PAGE_SIZE", 2)
    for n in range(5):
        pay(importer_bam, rm1, f"{n + 1}.00", key=f"k{n}")
    client = client_for(importer_bam)
    first = client.get(reverse("payments", args=[rm1.bn15]))
    assert len(first.context["payments"]) == 2 and first.context["next_query"]
    second = client.get(reverse("payments", args=[rm1.bn15]) + "?" + first.context["next_query"])
    seen = [p.pk for p in first.context["payments"]] + [p.pk for p in second.context["payments"]]
    assert (
        seen
        == list(Payment.objects.order_by("-created_at", "-id").values_list("pk", flat=True))[:4]
    )


def test_a_settled_payment_shows_what_it_paid_and_its_receipt(
    client_for, importer_bam, officer, rm1
):
    older = declare(importer_bam, rm1, "1000.00")  # $50.00 owed
    newer = declare(importer_bam, rm1, "400.00")  # $20.00 owed
    payment = pay(importer_bam, rm1, "60.00")
    body = page(client_for(importer_bam), "payment", rm1.bn15, payment.pk)
    assert "Pending: CBSA has not received this money yet" in body
    assert "Receipt number" not in body and "Still unapplied" not in body
    payment_settle(officer=officer, payment=payment)
    client = client_for(importer_bam)
    body = page(client, "payment", rm1.bn15, payment.pk)
    assert "Received: this payment is in the balance." in body
    # Oldest first: all of the older declaration, $10.00 of the newer one.
    assert older.transaction_number in body and "$50.00" in body
    assert newer.transaction_number in body and "$10.00" in body
    assert "Still unapplied" not in body
    assert payment.receipt_number in body
    pdf = client.get(reverse("payment_receipt_pdf", args=[rm1.bn15, payment.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert payment.receipt_number in pdf["Content-Disposition"]
    # The declarations' pages say what paid them and what is still owed.
    body = page(client, "declaration", older.transaction_number)
    assert payment.receipt_number in body and "Nothing is owed on this declaration." in body
    body = page(client, "declaration", newer.transaction_number, language="fr")
    assert payment.receipt_number in body and "Reste à payer sur cette déclaration : 10,00" in body


def test_a_payment_larger_than_the_debt_leaves_a_credit(client_for, importer_bam, rm1):
    declare(importer_bam, rm1, "1000.00")  # $50.00 owed
    payment = pay(importer_bam, rm1, "80.00", method="debit_card")
    body = page(client_for(importer_bam), "payment", rm1.bn15, payment.pk)
    assert "Still unapplied: $30.00" in body


def test_a_returned_payment_says_why_and_has_no_receipt(client_for, importer_bam, rm1):
    declare(importer_bam, rm1, "1000.00")
    payment = pay(importer_bam, rm1, "50.00", method="debit_card")
    payment_return(payment=payment, reason="905")
    client = client_for(importer_bam)
    body = page(client, "payment", rm1.bn15, payment.pk, language="fr")
    assert "Retourné" in body and "Compte bancaire fermé" in body
    assert reverse("payment_receipt_pdf", args=[rm1.bn15, payment.pk])[3:] not in body
    assert (
        client.get(reverse("payment_receipt_pdf", args=[rm1.bn15, payment.pk])).status_code == 404
    )


def test_the_receipt_is_in_both_languages(importer_bam, rm1):
    declaration = declare(importer_bam, rm1, "1000.00")
    payment = pay(importer_bam, rm1, "50.00", method="credit_card")
    html = receipt_html(rm1, payment, payment_applications(payment))
    assert "Payment receipt / Reçu de paiement" in html
    assert "Credit card / Carte de crédit" in html
    assert payment.receipt_number in html and declaration.transaction_number in html


def test_a_broker_with_payment_visibility_sees_the_clients_payments(
    client_for, importer_bam, broker_bm, rm1
):
    payment = pay(importer_bam, rm1, "12.34", method="debit_card")
    client = client_for(broker_bm)
    assert "12.34" in page(client, "payments", rm1.bn15)
    assert payment.receipt_number in page(client, "payment", rm1.bn15, payment.pk)
    # The importer's people are not logged; a provider's look is.
    assert AccessLogEntry.objects.filter(user=broker_bm, what=payment.receipt_number).exists()


def test_the_pay_page_shows_what_the_card_may_still_pay(client_for, importer_bam, rm1):
    pay(importer_bam, rm1, "1000.00", method="credit_card", key="card")
    body = page(client_for(importer_bam), "pay", rm1.bn15)
    assert "limited to $4,999.99 per billing period: $3,999.99 remaining this cycle" in body
    body = page(client_for(importer_bam), "pay", rm1.bn15, language="fr")
    assert "il reste 3\u00a0999,99\u00a0$ pour cette période" in body


@pytest.mark.parametrize(
    ("method", "message"),
    [
        ("online_banking", "Payment of $25.00 sent: it is pending until the money reaches CBSA"),
        ("debit_card", "Payment of $25.00 received."),
    ],
)
def test_paying_says_pending_or_received(client_for, importer_bam, rm1, method, message):
    client = client_for(importer_bam)
    response = client.post(
        reverse("pay", args=[rm1.bn15]),
        {"amount": "25.00", "method": method, "idempotency_key": method},
        follow=True,
    )
    payment = Payment.objects.get()
    assert response.redirect_chain[-1][0] == reverse("payment", args=[rm1.bn15, payment.pk])
    assert message in response.content.decode()


def test_a_payer_chooses_the_declarations_paid_first(client_for, importer_bam, rm1):
    older = declare(importer_bam, rm1, "1000.00")
    newer = declare(importer_bam, rm1, "400.00")
    client = client_for(importer_bam)
    assert 'name="declarations"' not in page(client, "pay", rm1.bn15)
    ProgramAccount.objects.filter(pk=rm1.pk).update(payments_applied="chosen")
    body = page(client, "pay", rm1.bn15)
    assert f'value="{newer.transaction_number}"' in body and "$20.00 owed" in body
    client.post(
        reverse("pay", args=[rm1.bn15]),
        {
            "amount": "20.00",
            "method": "debit_card",
            "idempotency_key": "chosen",
            "declarations": [newer.transaction_number],
        },
    )
    newer.refresh_from_db()
    older.refresh_from_db()
    assert newer.status == "paid" and older.status == "payment_required"
    assert list(Payment.objects.get().chosen.all()) == [newer]


def test_pending_payments_stand_apart_from_the_balance(client_for, importer_bam, rm1):
    declare(importer_bam, rm1, "1000.00")
    payment = pay(importer_bam, rm1, "45.00")
    card = pay(importer_bam, rm1, "5.00", method="debit_card", key="card")
    client = client_for(importer_bam)
    for name in ("program_account", "transactions"):
        body = page(client, name, rm1.bn15)
        assert "Pending payments: $45.00, not in the balance." in body
        assert "Balance: <strong>$45.00</strong>" in body.replace("\n", "")  # 50 − 5
    body = page(client, "program_account", rm1.bn15, language="fr")
    assert "Paiements en attente : 45,00" in body
    # The history links the card payment's row to its page.
    body = page(client, "transactions", rm1.bn15)
    assert reverse("payment", args=[rm1.bn15, card.pk]) in body
    assert reverse("payment", args=[rm1.bn15, payment.pk]) not in body  # not posted yet


def test_the_account_page_links_payments_for_those_who_see_them(
    client_for, importer_bam, broker_pm, rm1
):
    url = reverse("payments", args=[rm1.bn15])
    assert url in page(client_for(importer_bam), "program_account", rm1.bn15)
    assert url not in page(client_for(broker_pm), "program_account", rm1.bn15)


def test_the_bam_chooses_how_payments_apply(client_for, importer_bam, rm1):
    client = client_for(importer_bam)
    url = reverse("payments_applied", args=[rm1.bn15])
    assert url in page(client, "program_account", rm1.bn15)
    response = client.post(url, {"applied": "sideways"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    rm1.refresh_from_db()
    assert rm1.payments_applied == "oldest_first"
    response = client.post(url, {"applied": "chosen"})
    assert response["Location"] == reverse("payments", args=[rm1.bn15])
    rm1.refresh_from_db()
    assert rm1.payments_applied == "chosen"
    body = page(client, "payments", rm1.bn15, language="fr")
    assert "Les paiements s'appliquent d'abord aux déclarations" in body


def test_only_the_bam_chooses_how_payments_apply(importer_bam, reader, broker_bm, rm1):
    for someone in (reader, broker_bm):
        with pytest.raises(FinancialError) as refused:
            payments_applied_set(actor=someone, program_account=rm1, applied="chosen")
        assert refused.value.code == "not_allowed"
    with pytest.raises(FinancialError) as refused:
        payments_applied_set(actor=importer_bam, program_account=rm1, applied="sideways")
    assert refused.value.code == "payments_applied"
    rm1.refresh_from_db()
    assert rm1.payments_applied == "oldest_first"
