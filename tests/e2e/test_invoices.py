"""An officer issues an AMP in the admin; the importer's BAM hears of it, opens the
invoice, pays it from its page, and finds it in the next statement's invoices group, in
English and in French."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from accounts.services.officers import officers_group_sync
from financial.calendar import billing_period
from financial.models import Invoice, Statement
from financial.statements import statements_issue
from tests.e2e.test_business_access import sign_in
from tests.factories import PASSWORD, BusinessFactory, ProgramAccountFactory, UserFactory, member


@pytest.mark.django_db(transaction=True)
def test_an_officer_issues_an_invoice_the_importer_pays_it(live_server, browser, page, screenshot):
    base = live_server.url
    maple = BusinessFactory(bn9="123456782", legal_name="Maple Leaf Imports Inc.")
    rm1 = ProgramAccountFactory(business=maple, reference="RM0001")
    member(UserFactory(email="owner@maple.example"), maple, Role.BAM)
    officer = UserFactory(email="officer@cbsa.example", is_staff=True)
    officer.groups.add(officers_group_sync())
    due = timezone.localdate() + timezone.timedelta(days=30)

    # The officer issues an AMP in the admin.
    admin = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-CA")
    officer_page = admin.new_page()
    officer_page.goto(f"{base}/admin/financial/invoice/")  # officers sign in like everyone
    officer_page.get_by_label("Email").fill("officer@cbsa.example")
    officer_page.get_by_label("Password").fill(PASSWORD)
    officer_page.get_by_role("button", name="Sign In").click()
    officer_page.wait_for_url(f"{base}/admin/financial/invoice/")
    officer_page.get_by_role("link", name=re.compile("Add invoice")).click()
    officer_page.get_by_label("Program account (BN15)").fill("123456782 RM 0001")
    officer_page.get_by_label("Kind").select_option("amp")
    officer_page.get_by_label("Reference").fill("amp-2026-000123")
    officer_page.get_by_label("Description").fill("Late accounting of a release (C152)")
    officer_page.get_by_label("Amount (CAD)").fill("1,250.00")
    officer_page.get_by_label("Due date").fill(due.isoformat())
    screenshot(officer_page, "officer-issues")
    officer_page.get_by_role("button", name="Issue the invoice").click()
    expect(
        officer_page.get_by_text("Invoice AMP-2026-000123 is issued and its charge posted.")
    ).to_be_visible()
    expect(officer_page.get_by_role("link", name="Cancel this invoice")).to_be_visible()
    screenshot(officer_page, "officer-issued")
    officer_page.goto(f"{base}/admin/financial/invoice/")
    expect(officer_page.get_by_role("row", name=re.compile("AMP-2026-000123"))).to_contain_text(
        "Outstanding"
    )
    screenshot(officer_page, "officer-list")
    admin.close()
    invoice = Invoice.objects.get()

    # The importer's BAM hears of it, opens it and pays it from its page.
    sign_in(page, base, "owner@maple.example")
    page.goto(f"{base}/en/notifications/")
    row = page.get_by_role("row", name=re.compile("Invoice issued"))
    expect(row).to_contain_text("CBSA issued invoice AMP-2026-000123")
    screenshot(page, "notification")
    row.get_by_role("link", name="Open").click()
    expect(page.get_by_role("heading", name="Invoice AMP-2026-000123")).to_be_visible()
    expect(page.get_by_text("Outstanding", exact=True)).to_be_visible()
    screenshot(page, "invoice")
    page.get_by_role("link", name="Pay this invoice").click()
    expect(page.get_by_label("Amount (CAD)")).to_have_value("1250.00")
    page.get_by_label("Debit card").check()  # settles while the payer waits
    screenshot(page, "pay")
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_text("Payment of $1,250.00 received.")).to_be_visible()
    page.goto(f"{base}/en/program-accounts/{rm1.bn15}/")
    page.get_by_role("link", name="Invoices", exact=True).click()
    expect(page.get_by_role("row", name=re.compile("AMP-2026-000123"))).to_contain_text("Paid")
    screenshot(page, "invoices-paid")
    page.get_by_role("link", name="AMP-2026-000123").click()
    expect(page.get_by_text("This invoice is paid.")).to_be_visible()
    expect(page.get_by_role("link", name="Pay this invoice")).to_have_count(0)
    page.goto(f"{base}/fr/program-accounts/{rm1.bn15}/invoices/{invoice.pk}/")
    expect(page.get_by_role("heading", name="Facture AMP-2026-000123")).to_be_visible()
    expect(page.get_by_text("Cette facture est payée.")).to_be_visible()
    screenshot(page, "invoice-fr")

    # The statement of the period shows it in its own group.
    _start, period_end = billing_period(timezone.localdate())
    statements_issue(period_end=period_end)
    statement = Statement.objects.get()
    assert (statement.invoices, statement.payments, statement.total_payable) == (
        invoice.amount,
        invoice.amount,
        0,
    )
    page.goto(f"{base}/en/program-accounts/{rm1.bn15}/statements/{period_end.isoformat()}/")
    expect(page.get_by_role("heading", name="CBSA invoices")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Invoices issued"))).to_contain_text("$1,250.00")
    expect(page.get_by_role("row", name=re.compile("AMP-2026-000123"))).to_contain_text(
        "Issued (line F)"
    )
    screenshot(page, "statement")
    page.goto(f"{base}/fr/program-accounts/{rm1.bn15}/statements/{period_end.isoformat()}/")
    expect(page.get_by_role("heading", name="Factures de l'ASFC")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Factures émises"))).to_contain_text("1 250,00")
    screenshot(page, "statement-fr")
