"""An officer decides an adjustment on its page: the changed line marked beside the one
it replaces, a rejection refused until it says why, then sent with its reason; in English
and in French, with axe-core finding nothing serious."""

import datetime
from decimal import Decimal as D

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from accounts.services.officers import officers_group_sync
from financial.models import DeclarationVersion
from financial.services import declaration_correct, declaration_file
from tests.e2e.journey import AXE, RUN_AXE
from tests.e2e.test_business_access import sign_in
from tests.factories import BusinessFactory, ProgramAccountFactory, UserFactory, member

LINE = {
    "hs_code": "8471300000",
    "description": "Laptops",
    "quantity": D("1"),
    "value_for_duty": D("1000.00"),
    "duty_rate": D("0.065"),
}
WORDS = {
    "en": {
        "review": "Review and decide",
        "note": "Note to the importer",
        "reject": "Reject",
        "needed": "Say why the adjustment is rejected",
        "done": "is rejected.",
    },
    "fr": {
        "review": "Examiner et décider",
        "note": "Note à l'importateur",
        "reject": "Refuser",
        "needed": "Dites pourquoi le rajustement est refusé",
        "done": "refusé",
    },
}


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.django_db(transaction=True)
def test_an_officer_rejects_an_adjustment_with_its_reason(
    live_server, browser, screenshot, language
):
    base, words = live_server.url, WORDS[language]
    maple = BusinessFactory(bn9="123456782", legal_name="Maple Leaf Imports Inc.")
    rm1 = ProgramAccountFactory(business=maple, reference="RM0001")
    owner = UserFactory(email="owner@maple.example")
    member(owner, maple, Role.BAM)
    officer = UserFactory(email="officer@cbsa.example", is_staff=True)
    officer.groups.add(officers_group_sync())
    declaration = declaration_file(
        actor=owner,
        program_account=rm1,
        release_date=timezone.localdate() - datetime.timedelta(days=1),
        port_of_entry="0497",
        vendor="Acme",
        lines=[LINE, {**LINE, "description": "Monitors", "hs_code": "8528520000"}],
    )
    declaration_correct(
        actor=owner,
        declaration=declaration,
        reason_code="classification",
        lines=[{**LINE, "duty_rate": D("0.08")}, {**LINE, "description": "Monitors"}],
        comment="Wrong tariff item on line 1",
    )

    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    sign_in(page, base, "officer@cbsa.example")
    # The admin speaks the language of the last portal page read.
    page.goto(f"{base}/{language}/")
    page.goto(f"{base}/admin/financial/declarationversion/?status__exact=pending")
    page.get_by_role("link", name=words["review"]).click()
    expect(page.locator("mark").first).to_be_visible()
    screenshot(page, "adjustment")
    page.add_script_tag(content=AXE)
    assert page.evaluate(RUN_AXE) == []

    page.get_by_role("button", name=words["reject"]).click()
    expect(page.get_by_text(words["needed"])).to_be_visible()
    screenshot(page, "reason-needed")
    page.get_by_label(words["note"]).fill("Send the commercial invoice.")
    page.get_by_role("button", name=words["reject"]).click()
    expect(page.get_by_text(words["done"]).first).to_be_visible()
    screenshot(page, "rejected")
    context.close()
    version = DeclarationVersion.objects.get(status="rejected")
    assert version.decision_note == "Send the commercial invoice."
