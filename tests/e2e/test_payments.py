"""An importer pays by online banking and sees the payment pending, apart from the
balance; an officer marks it received in the admin; the importer sees it settled, the
oldest declaration (on the last statement) paid, and opens the receipt: in English and in
French."""

import datetime
from decimal import Decimal as D

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from accounts.services.officers import officers_group_sync
from financial.calendar import EASTERN
from financial.models import Payment
from financial.selectors import account_balance
from financial.services import declaration_file
from financial.statements import last_period_end, statements_issue
from tests.e2e.test_business_access import sign_in
from tests.factories import BusinessFactory, ProgramAccountFactory, UserFactory, member

WORDS = {
    "en": {
        "pay": "Make a Payment",
        "amount": "Amount (CAD)",
        "online": "Online banking",
        "submit": "Pay",
        "sent": "Payment of $1,000.00 sent: it is pending until the money reaches CBSA",
        "pending": "Pending payments: $1,000.00, not in the balance.",
        "payments": "Payments",
        "pending_status": "Pending",
        "received": "Received: this payment is in the balance.",
        "nothing_owed": "Nothing is owed on this declaration.",
        "still_owed": "Still owed on this declaration: $20.00.",
        "receipt": "Download the receipt (PDF)",
    },
    "fr": {
        "pay": "Effectuer un paiement",
        "amount": "Montant ($ CA)",
        "online": "Services bancaires en ligne",
        "submit": "Payer",
        "sent": "Paiement de 1\u00a0000,00\u00a0$ envoyé : il est en attente",
        "pending": "Paiements en attente : 1\u00a0000,00\u00a0$, non compris dans le solde.",
        "payments": "Paiements",
        "pending_status": "En attente",
        "received": "Reçu : ce paiement est compris dans le solde.",
        "nothing_owed": "Rien n'est dû sur cette déclaration.",
        "still_owed": "Reste à payer sur cette déclaration : 20,00\u00a0$.",
        "receipt": "Télécharger le reçu (PDF)",
    },
}


def declare(user, account, value: str, at: datetime.datetime):
    line = {
        "hs_code": "8471300000",
        "description": "Laptops",
        "quantity": D("1"),
        "value_for_duty": D(value),
        "duty_rate": D("0"),
    }
    return declaration_file(
        actor=user,
        program_account=account,
        release_date=at.astimezone(EASTERN).date(),
        port_of_entry="0497",
        vendor="Acme",
        lines=[line],
        at=at,
    )


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.django_db(transaction=True)
def test_pay_online_see_it_pending_then_settled_with_a_receipt(
    live_server, browser, page, screenshot, language
):
    base, words = live_server.url, WORDS[language]
    maple = BusinessFactory(bn9="123456782", legal_name="Maple Leaf Imports Inc.")
    rm1 = ProgramAccountFactory(business=maple, reference="RM0001")
    owner = UserFactory(email="owner@maple.example", first_name="Marie", last_name="Tremblay")
    member(owner, maple, Role.BAM)
    officer = UserFactory(email="officer@cbsa.example", is_staff=True)
    officer.groups.add(officers_group_sync())
    period_end = last_period_end(timezone.localdate())
    last_cycle = datetime.datetime.combine(period_end, datetime.time(11), tzinfo=EASTERN)
    older = declare(owner, rm1, "20000.00", last_cycle)  # $1,000.00 of GST
    statements_issue(period_end=period_end)
    newer = declare(owner, rm1, "400.00", timezone.now())  # $20.00 of GST
    account = f"{base}/{language}/program-accounts/{rm1.bn15}/"

    # The importer pays the older declaration by online banking.
    sign_in(page, base, "owner@maple.example")
    page.goto(account)
    page.get_by_role("link", name=words["pay"]).click()
    page.get_by_label(words["amount"]).fill("1000.00")
    page.get_by_label(words["online"]).check()
    screenshot(page, "pay-form")
    page.get_by_role("button", name=words["submit"], exact=True).click()
    expect(page.get_by_text(words["sent"])).to_be_visible()
    expect(page.get_by_text(words["pending_status"], exact=True).first).to_be_visible()
    screenshot(page, "payment-pending")
    payment = Payment.objects.get()
    assert payment.status == "pending" and account_balance(rm1) == D("1020.00")

    # The account page tells the pending payment apart from the balance.
    page.goto(account)
    expect(page.get_by_text(words["pending"])).to_be_visible()
    screenshot(page, "account-pending")

    # An officer marks it received in the admin.
    officer_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(officer_page, base, "officer@cbsa.example")
    officer_page.goto(f"{base}/admin/financial/payment/")
    officer_page.locator(f'input[name="_selected_action"][value="{payment.pk}"]').check()
    officer_page.locator('select[name="action"]').select_option("mark_received")
    officer_page.locator('button[name="index"]').click()
    expect(officer_page.get_by_text("1 payment marked received")).to_be_visible()
    screenshot(officer_page, "officer-marked-received")
    payment.refresh_from_db()
    assert payment.status == "settled" and account_balance(rm1) == D("20.00")

    # The importer sees it settled, what it paid, and the oldest declaration paid.
    page.goto(account)
    page.get_by_role("link", name=words["payments"], exact=True).click()
    screenshot(page, "payments-list")
    page.locator(f'a[href$="/payments/{payment.pk}/"]').click()
    expect(page.get_by_text(words["received"])).to_be_visible()
    expect(page.get_by_role("link", name=older.transaction_number)).to_be_visible()
    expect(page.get_by_text(payment.receipt_number).first).to_be_visible()
    screenshot(page, "payment-settled")
    page.get_by_role("link", name=older.transaction_number).click()
    expect(page.get_by_text(words["nothing_owed"])).to_be_visible()
    screenshot(page, "declaration-paid")
    page.goto(f"{base}/{language}/declarations/{newer.transaction_number}/")
    expect(page.get_by_text(words["still_owed"])).to_be_visible()

    # The receipt downloads as a PDF.
    page.goto(f"{account}payments/{payment.pk}/")
    with page.expect_download() as download:
        page.get_by_role("link", name=words["receipt"]).click()
    receipt = download.value
    assert receipt.suggested_filename == f"{rm1.bn15}-receipt-{payment.receipt_number}.pdf"
    assert receipt.path().read_bytes().startswith(b"%PDF")
