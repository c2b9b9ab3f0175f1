"""An account with a credit: its BAM asks for a refund (first for more than the credit,
which is refused), an officer approves and issues it in the admin, and the importer sees
it issued and the refund in the transaction history: in English and in French."""

from decimal import Decimal as D

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from accounts.services.officers import officers_group_sync
from financial.models import Posting, RefundRequest
from financial.selectors import account_balance
from financial.services import posting_create
from tests.e2e.test_business_access import sign_in
from tests.factories import PASSWORD, BusinessFactory, ProgramAccountFactory, UserFactory, member

WORDS = {
    "en": {
        "link": "Refunds",
        "credit": "Credit that may be refunded",
        "amount": "Amount to refund (CAD)",
        "request": "Request the refund",
        "over": "The refund cannot exceed the credit of $300.00.",
        "sent": "Your request for a refund of $250.00 is sent to CBSA.",
        "requested": "Requested",
        "issued": "It appears in the transaction history.",
        "history": "Transaction history",
        "refund": "Refund",
        "money": "$250.00",
    },
    "fr": {
        "link": "Remboursements",
        "credit": "Crédit remboursable",
        "amount": "Montant à rembourser ($ CA)",
        "request": "Demander le remboursement",
        "over": "Le remboursement ne peut pas dépasser le crédit de 300,00",
        "sent": "Votre demande de remboursement de 250,00",
        "requested": "Demandée",
        "issued": "Il figure dans l'historique des transactions.",
        "history": "Historique des transactions",
        "refund": "Remboursement",
        "money": "250,00",
    },
}


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.django_db(transaction=True)
def test_a_credit_requested_approved_issued_and_seen(
    live_server, browser, page, screenshot, language
):
    base, words = live_server.url, WORDS[language]
    maple = BusinessFactory(bn9="123456782", legal_name="Maple Leaf Imports Inc.")
    rm1 = ProgramAccountFactory(business=maple, reference="RM0001")
    owner = UserFactory(email="owner@maple.example", first_name="Marie", last_name="Tremblay")
    member(owner, maple, Role.BAM)
    officer = UserFactory(email="officer@cbsa.example", is_staff=True)
    officer.groups.add(officers_group_sync())
    posting_create(program_account=rm1, kind="payment", amount=D("-300.00"))

    # The BAM asks for more than the credit, is told why, then asks for part of it.
    sign_in(page, base, "owner@maple.example")
    page.goto(f"{base}/{language}/program-accounts/{rm1.bn15}/")
    page.get_by_role("link", name=words["link"], exact=True).click()
    expect(page.get_by_text(words["credit"])).to_be_visible()
    page.get_by_label(words["amount"]).fill("500")
    page.get_by_role("button", name=words["request"]).click()
    expect(page.get_by_text(words["over"]).first).to_be_visible()
    assert not RefundRequest.objects.exists()
    screenshot(page, "refund-over-credit")
    page.get_by_label(words["amount"]).fill("250.00")
    page.get_by_role("button", name=words["request"]).click()
    expect(page.get_by_text(words["sent"])).to_be_visible()
    expect(page.get_by_text(words["requested"], exact=True).first).to_be_visible()
    refund = RefundRequest.objects.get()
    screenshot(page, "refund-requested")

    # The officer approves it, then issues it, from the request's page in the admin.
    admin = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-CA")
    officer_page = admin.new_page()
    officer_page.goto(f"{base}/admin/financial/refundrequest/")
    officer_page.get_by_label("Email").fill("officer@cbsa.example")
    officer_page.get_by_label("Password").fill(PASSWORD)
    officer_page.get_by_role("button", name="Sign In").click()
    officer_page.wait_for_url(f"{base}/admin/financial/refundrequest/")
    officer_page.get_by_role("link", name=refund.reference).click()
    screenshot(officer_page, "officer-request")
    officer_page.get_by_role("button", name="Approve this refund").click()
    expect(officer_page.get_by_text("1 refund request approved.")).to_be_visible()
    officer_page.get_by_role("button", name="Issue this refund").click()
    expect(officer_page.get_by_text("1 refund issued and posted to the ledger.")).to_be_visible()
    screenshot(officer_page, "officer-issued")
    admin.close()
    refund.refresh_from_db()
    assert refund.status == "issued" and account_balance(rm1) == D("-50.00")
    assert Posting.objects.filter(kind="refund", amount=D("250.00")).count() == 1

    # The importer sees it issued, and the refund in the transaction history.
    page.reload()
    expect(page.get_by_text(words["issued"]).first).to_be_visible()
    screenshot(page, "refund-issued")
    page.get_by_role("link", name=words["history"]).first.click()
    row = page.get_by_role("row").filter(has_text=words["refund"]).filter(has_text=words["money"])
    expect(row.first).to_be_visible()
    screenshot(page, "history")
