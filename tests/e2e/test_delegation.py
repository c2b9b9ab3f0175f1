"""A broker asks for Program Management, the importer approves RM0001 only, then revokes."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from tests.e2e.test_business_access import sign_in
from tests.factories import PASSWORD, BusinessFactory, ProgramAccountFactory, UserFactory, member


@pytest.mark.django_db(transaction=True)
def test_request_approve_program_management_then_revoke(live_server, browser, page, screenshot):
    base = live_server.url
    maple = BusinessFactory(bn9="123456782", legal_name="Maple Leaf Imports Inc.")
    ProgramAccountFactory(business=maple, reference="RM0001")
    ProgramAccountFactory(business=maple, reference="RM0002")
    broker_firm = BusinessFactory(
        bn9="555123454", legal_name="Northern Customs Brokers Ltd.", is_service_provider=True
    )
    member(UserFactory(email="owner@maple.example", first_name="Marie"), maple, Role.BAM)
    member(UserFactory(email="bam@broker.example", first_name="Brigitte"), broker_firm, Role.BAM)

    broker_context = browser.new_context(viewport={"width": 1280, "height": 900})
    broker = broker_context.new_page()
    sign_in(broker, base, "bam@broker.example")
    broker.get_by_role("link", name="Business relationships").click()
    broker.get_by_label("Importer's business number (BN9)").fill("123456782")
    broker.get_by_label("Program Management").check()
    broker.get_by_label("Comment for the importer").fill("Clearance for the retail division")
    screenshot(broker, "broker-requests")
    broker.get_by_role("button", name="Send the request").click()
    expect(
        broker.get_by_text("Your request was sent to the business with number 123456782.")
    ).to_be_visible()
    expect(broker.get_by_text("Maple Leaf Imports Inc.")).to_have_count(0)

    sign_in(page, base, "owner@maple.example")
    page.get_by_role("link", name="Third-party relationships").click()
    expect(page.get_by_text("Clearance for the retail division")).to_be_visible()
    screenshot(page, "importer-sees-request")
    page.get_by_role("link", name=re.compile("Approve")).click()
    # Changing a delegation asks for the password once more.
    page.wait_for_url("**/accounts/reauthenticate/**")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_label("123456782 RM 0001").check()
    page.get_by_label("Editor").check()
    page.get_by_label("May see statements, balance and payments").check()
    screenshot(page, "importer-approves-rm0001")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Northern Customs Brokers Ltd. may now act for you.")).to_be_visible()
    screenshot(page, "relationship-in-force")

    broker.goto(f"{base}/en/")
    broker.get_by_role("link", name="My clients").click()
    expect(broker.get_by_role("link", name="123456782 RM 0001", exact=True)).to_be_visible()
    expect(broker.get_by_role("link", name="123456782 RM 0002", exact=True)).to_have_count(0)
    screenshot(broker, "broker-clients")
    broker.get_by_role("link", name="123456782 RM 0001", exact=True).click()
    expect(broker.get_by_text("Editor, through Northern Customs Brokers Ltd.")).to_be_visible()
    screenshot(broker, "broker-client-account")
    response = broker.goto(f"{base}/en/program-accounts/123456782RM0002/")
    assert response.status == 404

    page.goto(f"{base}/en/businesses/123456782/third-parties/")
    page.get_by_role("link", name=re.compile("Revoke")).click()
    # Asked first, with what the broker loses.
    expect(page.get_by_text("will no longer see or act on these program accounts")).to_be_visible()
    screenshot(page, "importer-asked-to-confirm")
    page.get_by_role("button", name="Revoke the relationship").click()
    expect(
        page.get_by_text("Northern Customs Brokers Ltd. can no longer act for you.")
    ).to_be_visible()
    screenshot(page, "importer-revoked")

    broker.goto(f"{base}/en/businesses/555123454/clients/")
    expect(broker.get_by_text("You do not act for any client yet.")).to_be_visible()
    expect(broker.get_by_text("Maple Leaf Imports")).to_have_count(0)
    screenshot(broker, "broker-after-revocation")
    response = broker.goto(f"{base}/en/program-accounts/123456782RM0001/")
    assert response.status == 404

    page.goto(f"{base}/en/businesses/123456782/access-log/")
    expect(page.get_by_text("bam@broker.example").first).to_be_visible()
    screenshot(page, "importer-access-log")
    broker_context.close()
