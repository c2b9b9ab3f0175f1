"""The importer files a declaration, sees it in the history, pays it and the balance drops;
the broker files for the importer under delegation."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from delegation.models import Relationship
from financial.models import Declaration
from tests.e2e.test_business_access import sign_in
from tests.factories import BusinessFactory, ProgramAccountFactory, UserFactory, member


def fill_declaration(page, *, vendor: str, value: str) -> None:
    page.get_by_label("Release date").fill(timezone.localdate().isoformat())
    page.get_by_label("Port of entry").fill("0497")
    page.get_by_label("Vendor").fill(vendor)
    page.get_by_label("HS classification").fill("8471.30.0000")
    page.locator("#id_lines-0-description").fill("Laptops")
    page.get_by_label("Quantity").fill("10")
    page.get_by_label("Value for duty (CAD)").fill(value)
    page.get_by_label("Duty rate (%)").fill("6.5")


@pytest.mark.django_db(transaction=True)
def test_file_see_pay_and_a_broker_files_too(live_server, browser, page, screenshot):
    base = live_server.url
    maple = BusinessFactory(bn9="123456782", legal_name="Maple Leaf Imports Inc.")
    rm1 = ProgramAccountFactory(business=maple, reference="RM0001")
    broker_firm = BusinessFactory(
        bn9="555123454", legal_name="Northern Customs Brokers Ltd.", is_service_provider=True
    )
    owner = UserFactory(email="owner@maple.example")
    broker = UserFactory(email="bam@broker.example")
    member(owner, maple, Role.BAM)
    member(broker, broker_firm, Role.BAM)
    Relationship.objects.create(
        provider=broker_firm,
        importer=maple,
        kind="business",
        status="active",
        level="editor",
        requested_by=broker,
    )

    sign_in(page, base, "owner@maple.example")
    page.get_by_role("link", name="123456782 RM 0001", exact=True).click()
    page.get_by_role("link", name="File a declaration").click()
    fill_declaration(page, vendor="Acme Electronics GmbH", value="1000.00")
    screenshot(page, "file-declaration")
    page.get_by_role("button", name="File the declaration").click()
    expect(page.get_by_text(re.compile(r"is filed: \$118\.25 in duties and taxes"))).to_be_visible()
    expect(page.get_by_text("Payment required before release").first).to_be_visible()
    screenshot(page, "declaration-filed")
    number = Declaration.objects.get().transaction_number

    page.goto(f"{base}/en/program-accounts/{rm1.bn15}/transactions/")
    expect(page.get_by_role("link", name=number)).to_be_visible()
    expect(page.get_by_text("Balance: $118.25")).to_be_visible()
    screenshot(page, "history")

    page.goto(f"{base}/en/")
    page.get_by_role("link", name=re.compile("Make a Payment")).click()
    page.get_by_label("Amount (CAD)").fill("118.25")
    page.get_by_label("Debit card").check()  # settles while the payer waits
    screenshot(page, "pay")
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_text("Payment of $118.25 received.")).to_be_visible()
    expect(page.get_by_role("link", name=number)).to_be_visible()  # what it paid
    screenshot(page, "paid")
    page.goto(f"{base}/en/program-accounts/{rm1.bn15}/transactions/")
    expect(page.get_by_text("Balance: $0.00")).to_be_visible()
    assert Declaration.objects.get().status == "paid"

    broker_context = browser.new_context(viewport={"width": 1280, "height": 900})
    broker_page = broker_context.new_page()
    sign_in(broker_page, base, "bam@broker.example")
    broker_page.goto(f"{base}/en/businesses/555123454/clients/")
    broker_page.get_by_role("link", name="123456782 RM 0001", exact=True).click()
    broker_page.get_by_role("link", name="File a declaration").click()
    fill_declaration(broker_page, vendor="Nordic Furniture AB", value="2000.00")
    broker_page.get_by_role("button", name="File the declaration").click()
    expect(broker_page.get_by_text(re.compile(r"is filed: \$236\.50"))).to_be_visible()
    screenshot(broker_page, "broker-filed")
    broker_page.goto(f"{base}/en/program-accounts/{rm1.bn15}/transactions/")
    expect(broker_page.get_by_text("Nordic Furniture AB")).to_be_visible()
    expect(broker_page.get_by_text("Acme Electronics GmbH")).to_have_count(0)  # not its own
    screenshot(broker_page, "broker-history")
    broker_context.close()

    filed = Declaration.objects.get(vendor="Nordic Furniture AB")
    assert filed.filed_by == broker_firm and filed.program_account == rm1


@pytest.mark.django_db(transaction=True)
def test_the_statement_job_then_the_importer_reads_and_downloads_it(live_server, page, screenshot):
    import datetime
    from decimal import Decimal as D

    from financial.calendar import EASTERN
    from financial.services import posting_create
    from financial.statements import statements_issue

    maple = BusinessFactory(bn9="123456782", legal_name="Maple Leaf Imports Inc.")
    rm1 = ProgramAccountFactory(business=maple, reference="RM0001")
    member(UserFactory(email="owner@maple.example"), maple, Role.BAM)
    moment = datetime.datetime(2026, 10, 5, 12, tzinfo=EASTERN)
    posting_create(
        program_account=rm1,
        kind="charge",
        amount=D("1118.25"),
        duty=D("65.00"),
        gst=D("1053.25"),
        posted_at=moment,
    )
    statements_issue(period_end=datetime.date(2026, 10, 17))

    base = live_server.url
    sign_in(page, base, "owner@maple.example")
    page.goto(f"{base}/en/notifications/")
    expect(page.get_by_text(re.compile("dated October 25, 2026 is available"))).to_be_visible()
    page.goto(f"{base}/en/program-accounts/{rm1.bn15}/")
    page.get_by_role("link", name="Statements of Account").click()
    page.get_by_role("link", name="October 25, 2026", exact=True).click()
    expect(page.get_by_role("row", name=re.compile("Total payable"))).to_contain_text("$1,118.25")
    screenshot(page, "statement")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as PDF").click()
    assert download.value.suggested_filename == f"{rm1.bn15}-statement-2026-10-17.pdf"
    page.goto(f"{base}/fr/program-accounts/{rm1.bn15}/statements/2026-10-17/")
    expect(page.get_by_role("heading", name=re.compile("Relevé de compte du"))).to_be_visible()
    screenshot(page, "statement-fr")
