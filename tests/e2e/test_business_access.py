"""A new user registers the business and becomes its BAM; a colleague asks for access and
is approved as Reader on RM0001 only."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Membership, Role
from tests.factories import PASSWORD, BusinessFactory, ProgramAccountFactory, UserFactory


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/en/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{base}/en/")


@pytest.mark.django_db(transaction=True)
def test_register_request_approve_and_read(live_server, browser, page, screenshot):
    base = live_server.url
    business = BusinessFactory(bn9="123456782", legal_name="Maple Leaf Imports Inc.")
    ProgramAccountFactory(business=business, reference="RM0001")
    ProgramAccountFactory(business=business, reference="RM0002")
    UserFactory(email="owner@maple.example", first_name="Marie", last_name="Tremblay")
    UserFactory(email="clerk@maple.example", first_name="Jordan", last_name="Lee")

    sign_in(page, base, "owner@maple.example")
    expect(page.get_by_role("heading", name="First time setup")).to_be_visible()
    screenshot(page, "first-time-setup")
    page.get_by_role("link", name="Register my business").first.click()
    page.get_by_label("Business number (BN9)").fill("123456782")
    page.get_by_label("One of its import/export program accounts").fill("123456782 rm 0001")
    page.get_by_label("Legal name").fill("Maple Leaf Exports Inc.")  # another business
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("The legal name does not match CBSA records").first).to_be_visible()
    screenshot(page, "name-mismatch")
    page.get_by_label("Legal name").fill("Maple Leaf Imports Inc.")
    page.get_by_role("button", name="Register").click()
    page.wait_for_url(re.compile(r".*/en/\?business=123456782"))
    expect(page.get_by_role("link", name="123456782 RM 0001", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="123456782 RM 0002", exact=True)).to_be_visible()
    screenshot(page, "bam-dashboard")

    clerk_context = browser.new_context(viewport={"width": 1280, "height": 900})
    clerk = clerk_context.new_page()
    sign_in(clerk, base, "clerk@maple.example")
    clerk.get_by_role("link", name="Request access").click()
    clerk.get_by_label("Your employer's business number (BN9)").fill("123456782")
    clerk.get_by_label("Comment for the Business Account Manager").fill(
        "Accounts payable for RM0001"
    )
    screenshot(clerk, "request-access")
    clerk.get_by_role("button", name="Send the request").click()
    clerk.wait_for_url(f"{base}/en/")
    expect(
        clerk.get_by_text("Your request for access to business number 123456782 was sent")
    ).to_be_visible()

    page.goto(f"{base}/en/")
    expect(page.get_by_text("1 pending request")).to_be_visible()
    page.get_by_role("link", name="Manage my employees").click()
    expect(page.get_by_text("Accounts payable for RM0001")).to_be_visible()
    screenshot(page, "pending-request")
    page.get_by_role("link", name=re.compile("Approve")).click()
    page.get_by_label("Reader").check()
    page.get_by_label("123456782 RM 0001").check()
    screenshot(page, "approve-as-reader")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Jordan Lee now has access.")).to_be_visible()
    screenshot(page, "employees-after")
    membership = Membership.objects.get(user__email="clerk@maple.example")
    assert membership.role == Role.READER
    assert [a.bn15 for a in membership.program_accounts.all()] == ["123456782RM0001"]

    clerk.goto(f"{base}/en/")
    expect(clerk.get_by_role("link", name="123456782 RM 0001", exact=True)).to_be_visible()
    expect(clerk.get_by_role("link", name="123456782 RM 0002", exact=True)).to_have_count(0)
    expect(clerk.get_by_role("link", name="Manage my employees")).to_have_count(0)
    screenshot(clerk, "reader-dashboard")
    clerk.get_by_role("link", name="123456782 RM 0001", exact=True).click()
    expect(
        clerk.get_by_role("heading", name=re.compile("Program account 123456782 RM 0001"))
    ).to_be_visible()
    expect(clerk.locator("main .carm-button, #main-content .carm-button")).to_have_count(0)
    screenshot(clerk, "reader-account")
    clerk.get_by_role("link", name="Français").click()
    clerk.wait_for_url(re.compile(r".*/fr/program-accounts/123456782RM0001/"))
    expect(
        clerk.get_by_role("heading", name=re.compile("Compte de programme 123456782 RM 0001"))
    ).to_be_visible()
    screenshot(clerk, "reader-account-french")
    clerk_context.close()
