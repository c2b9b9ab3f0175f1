"""After an annual review raised its requirement, the importer sees the shortfall on
Financial Security; a surety posts a bond from its own portal page; the importer reloads
and the shortfall is gone. Then it asks to lower the requirement."""

import datetime
import re
from decimal import Decimal as D

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from financial.calendar import EASTERN
from financial.services import posting_create
from security.models import ReductionRequest, SuretyBond
from security.review import annual_review
from tests.e2e.test_business_access import sign_in
from tests.factories import BusinessFactory, ProgramAccountFactory, UserFactory, member


def review_year_in_force(today: datetime.date) -> int:
    """A review year whose January 15 has passed: its requirement is the one in force."""
    return today.year - 1 if (today.month, today.day) >= (1, 15) else today.year - 2


@pytest.mark.django_db(transaction=True)
def test_shortfall_bond_posted_shortfall_gone(live_server, browser, page, screenshot):
    base = live_server.url
    year = review_year_in_force(timezone.localdate())
    maple = BusinessFactory(bn9="123456782", legal_name="Maple Leaf Imports Inc.")
    rm1 = ProgramAccountFactory(business=maple, reference="RM0001", rpp_status="active")
    member(UserFactory(email="owner@maple.example"), maple, Role.BAM)
    surety = BusinessFactory(
        bn9="777888991", legal_name="True North Surety Co.", is_surety=True, is_importer=False
    )
    member(UserFactory(email="bonds@surety.example"), surety, Role.BAM)
    # The review's window runs from October 20 of the year before: a $42,000.50 month in it.
    for day, amount in (
        (datetime.date(year - 1, 12, 3), "30000.00"),
        (datetime.date(year - 1, 12, 18), "12000.50"),
    ):
        posting_create(
            program_account=rm1,
            kind="charge",
            amount=D(amount),
            gst=D(amount),
            posted_at=datetime.datetime.combine(day, datetime.time(12), tzinfo=EASTERN),
        )
    annual_review(year=year)  # bond: half of $42,000.50, rounded up to $21,001

    sign_in(page, base, "owner@maple.example")
    page.goto(f"{base}/en/program-accounts/{rm1.bn15}/")
    page.get_by_role("link", name="Financial Security").click()
    expect(page.get_by_role("heading", name="Financial Security", exact=True)).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Surety bond required"))).to_contain_text(
        "$21,001.00"
    )
    expect(page.get_by_role("row", name=re.compile("cash security deposit"))).to_contain_text(
        "$42,001.00"
    )
    expect(page.get_by_text("Your financial security is short by $21,001.00")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(rf"^{year} "))).to_contain_text("Yes")
    screenshot(page, "shortfall")
    page.goto(f"{base}/fr/program-accounts/{rm1.bn15}/financial-security/")
    expect(page.get_by_text(re.compile("Il manque 21\u00a0001,00\u00a0\\$"))).to_be_visible()
    screenshot(page, "shortfall-fr")

    # The importer invites its surety to post security for RM0001 (not RM0002).
    page.goto(f"{base}/en/program-accounts/{rm1.bn15}/financial-security/")
    page.get_by_role("link", name="Invite a surety, or withdraw an invitation").click()
    page.get_by_label("Surety company's business number (BN9)").fill("777888990")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("link", name=re.compile("check its last digit"))).to_be_visible()
    page.get_by_label("Surety company's business number (BN9)").fill("777888991")
    page.get_by_role("button", name="Send the invitation").click()
    expect(
        page.get_by_text("True North Surety Co. is invited to post security for 123456782 RM 0001.")
    ).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("True North Surety Co."))).to_contain_text(
        "Waiting for a bond"
    )
    screenshot(page, "surety-invited")
    page.goto(f"{base}/fr/program-accounts/{rm1.bn15}/financial-security/sureties/")
    expect(page.get_by_role("heading", name="Cautions invitées", exact=True)).to_be_visible()
    screenshot(page, "surety-invited-fr")

    surety_context = browser.new_context(viewport={"width": 1280, "height": 900})
    surety_page = surety_context.new_page()
    sign_in(surety_page, base, "bonds@surety.example")
    surety_page.goto(f"{base}/en/sureties/invitations/")
    expect(
        surety_page.get_by_role("row", name=re.compile("Maple Leaf Imports Inc."))
    ).to_contain_text("123456782 RM 0001")
    screenshot(surety_page, "surety-invitations")
    surety_page.goto(f"{base}/fr/sureties/invitations/")
    expect(
        surety_page.get_by_role("heading", name="Invitations à déposer une garantie", exact=True)
    ).to_be_visible()
    screenshot(surety_page, "surety-invitations-fr")
    surety_page.goto(f"{base}/en/sureties/bonds/")
    # RM0002 exists, but its importer did not invite the surety: refused, no name said.
    surety_page.get_by_label("Importer's program account number (BN15)").fill("123456782 RM 0002")
    surety_page.get_by_label("Bond number").fill("TN-2026-0042")
    surety_page.get_by_label("Bond amount (CAD)").fill("21001.00")
    surety_page.get_by_role("button", name="Post the bond").click()
    expect(surety_page.get_by_text("There is a problem")).to_be_visible()
    expect(
        surety_page.get_by_role("link", name=re.compile("whose importer invited it"))
    ).to_be_visible()
    expect(surety_page.get_by_text("Maple Leaf Imports Inc.")).to_have_count(0)
    screenshot(surety_page, "surety-not-invited")
    assert not SuretyBond.objects.exists()
    surety_page.get_by_label("Importer's program account number (BN15)").fill("123456782RM0001")
    surety_page.get_by_role("button", name="Post the bond").click()
    expect(
        surety_page.get_by_text("Bond TN-2026-0042 of $21,001.00 is posted for 123456782 RM 0001.")
    ).to_be_visible()
    expect(surety_page.get_by_role("cell", name="Maple Leaf Imports Inc.")).to_be_visible()
    screenshot(surety_page, "surety-posted")
    surety_page.goto(f"{base}/fr/sureties/bonds/")
    expect(surety_page.get_by_role("heading", name="Cautionnements", exact=True)).to_be_visible()
    screenshot(surety_page, "surety-fr")
    surety_context.close()

    page.goto(f"{base}/en/program-accounts/{rm1.bn15}/financial-security/")
    expect(page.get_by_role("row", name=re.compile("Shortfall"))).to_contain_text("$0.00")
    expect(page.get_by_text(re.compile("is short by"))).to_have_count(0)
    expect(page.get_by_role("cell", name="TN-2026-0042")).to_be_visible()
    screenshot(page, "covered")

    page.get_by_role("link", name="Update Requirement").click()
    page.get_by_label("Requested bond amount (CAD)").fill("25000")
    page.get_by_label("Justification").fill("Half our imports now go through a bonded warehouse.")
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator("#id_amount_error")).to_contain_text(
        "must be lower than the current requirement of $21,001.00"
    )
    screenshot(page, "reduction-refused")
    page.get_by_label("Requested bond amount (CAD)").fill("12000.00")
    page.get_by_role("button", name="Send the request").click()
    expect(
        page.get_by_text("Your request to lower the requirement is waiting for an officer")
    ).to_be_visible()
    screenshot(page, "reduction-pending")
    assert ReductionRequest.objects.get().amount == D("12000.00")
    page.goto(f"{base}/fr/program-accounts/{rm1.bn15}/financial-security/update/")
    screenshot(page, "reduction-fr")
