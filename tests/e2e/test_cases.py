"""An importer appeals an adjustment with a PDF, the officer asks for information, the
importer answers, the officer allows the appeal, and the balance and the statement show
the credit: in English and in French."""

import datetime
import re
from decimal import Decimal as D

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from accounts.models import Role
from accounts.services.officers import officers_group_sync
from carm.formats import money
from financial.calendar import EASTERN, billing_period, start_of
from financial.models import Posting
from financial.selectors import account_balance
from financial.services import adjustment_decide, declaration_correct, declaration_file
from financial.statements import statements_issue
from tests.e2e.test_business_access import sign_in
from tests.factories import BusinessFactory, ProgramAccountFactory, UserFactory, member

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF"
LINE = {
    "hs_code": "6109100010",
    "description": "Cotton T-shirts",
    "quantity": D("100"),
    "value_for_duty": D("1000.00"),
    "duty_rate": D("0.18"),
}
WORDS = {
    "en": {
        "cases": "Cases",
        "appeal": "Appeal a decision",
        "send_appeal": "Send the appeal",
        "waiting": "CBSA is waiting for information from you",
        "send": "Send the message",
        "allowed": "Decision: Allowed",
        "statement": "Corrections to the previous balance",
    },
    "fr": {
        "cases": "Dossiers",
        "appeal": "Faire appel d'une décision",
        "send_appeal": "Envoyer l'appel",
        "waiting": "L'ASFC attend des renseignements de votre part",
        "send": "Envoyer le message",
        "allowed": "Décision : Accueilli",
        "statement": "Corrections au solde précédent",
    },
}


def moment(days_ago: int) -> datetime.datetime:
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    return datetime.datetime.combine(day, datetime.time(11), tzinfo=EASTERN)


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.django_db(transaction=True)
def test_an_adjustment_appealed_and_allowed(live_server, browser, page, screenshot, language):
    base, words = live_server.url, WORDS[language]
    maple = BusinessFactory(bn9="123456782", legal_name="Maple Leaf Imports Inc.")
    rm2 = ProgramAccountFactory(business=maple, reference="RM0002")  # no RPP: adjustments
    owner = UserFactory(email="owner@maple.example", first_name="Marie", last_name="Tremblay")
    member(owner, maple, Role.BAM)
    officer = UserFactory(email="officer@cbsa.example", is_staff=True)
    officer.groups.add(officers_group_sync())
    declaration = declaration_file(
        actor=owner,
        program_account=rm2,
        release_date=(moment(40)).date(),
        port_of_entry="0497",
        vendor="Sakura Textiles Co.",
        lines=[LINE],
        at=moment(40),
    )
    version = declaration_correct(
        actor=owner,
        declaration=declaration,
        reason_code="classification",
        lines=[{**LINE, "duty_rate": D("0.25")}],  # $239.00 becomes $312.50
        at=moment(20),
    )
    adjustment_decide(officer=officer, version=version, approve=True, at=moment(10))
    number = declaration.transaction_number

    # The importer appeals the adjustment, with a PDF.
    sign_in(page, base, "owner@maple.example")
    page.goto(f"{base}/{language}/program-accounts/{rm2.bn15}/")
    page.get_by_role("link", name=words["cases"], exact=True).click()
    page.get_by_role("link", name=words["appeal"]).click()
    page.locator(f'[name="transaction_numbers"][value="{number}"]').check()
    page.locator('[name="reason"]').fill(
        "The T-shirts are knitted, not woven: heading 61.09 at 18 %, not 25 %."
    )
    page.locator('[name="documents"]').set_input_files(
        [{"name": "mill-certificate.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    screenshot(page, "appeal-form")
    page.get_by_role("button", name=words["send_appeal"]).click()
    expect(page.get_by_role("link", name="mill-certificate.pdf").first).to_be_visible()
    case_number = re.search(r"CAS-\d{7}", page.content()).group(0)
    screenshot(page, "appeal-sent")

    # The officer takes it and asks for information.
    officer_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(officer_page, base, "officer@cbsa.example")
    officer_page.goto(f"{base}/admin/cases/case/")
    officer_page.get_by_role("link", name="Open").first.click()
    officer_page.get_by_role("button", name="Assign to me").click()
    officer_page.locator('[name="body"]').fill("Send the mill certificate for the fabric.")
    due = timezone.localdate() + datetime.timedelta(days=14)
    officer_page.locator('[name="information_due"]').fill(due.isoformat())
    officer_page.get_by_role("button", name="Send the message").click()
    expect(officer_page.get_by_text("The message was sent.")).to_be_visible()
    screenshot(officer_page, "officer-asks")

    # The importer sees it waiting on the home page and answers.
    page.goto(f"{base}/{language}/?business={maple.bn9}")
    expect(page.get_by_text(words["waiting"])).to_be_visible()
    page.get_by_role("link", name=case_number).click()
    page.locator('[name="body"]').fill("Here is the mill certificate.")
    page.locator('[name="documents"]').set_input_files(
        [{"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name=words["send"]).click()
    expect(page.get_by_role("link", name="certificate.pdf", exact=True).first).to_be_visible()
    screenshot(page, "answered")

    # The officer allows the appeal: the $312.50 in dispute is credited.
    before = account_balance(rm2)
    officer_page.reload()
    officer_page.get_by_label("Allowed", exact=True).check()
    officer_page.locator('[name="text"]').fill("The goods are knitted: heading 61.09.")
    officer_page.get_by_role("button", name="Render the decision").click()
    expect(officer_page.get_by_text("The decision is rendered.")).to_be_visible()
    assert account_balance(rm2) == before - D("312.50")

    page.reload()
    expect(page.get_by_text(words["allowed"])).to_be_visible()
    screenshot(page, "allowed")
    # Line B holds the period's corrections and adjustments: the credit, and the
    # adjustment too when it was decided in the same period.
    period_start, period_end = billing_period(timezone.localdate())
    statements_issue(period_end=period_end)
    revisions = Posting.objects.filter(
        program_account=rm2, kind__in=Posting.REVISION_KINDS, posted_at__gte=start_of(period_start)
    )
    assert revisions.filter(amount=D("-312.50"), description=case_number).exists()
    with translation.override(language):
        line_b = money(sum(posting.amount for posting in revisions))
    page.goto(f"{base}/{language}/program-accounts/{rm2.bn15}/statements/{period_end}/")
    expect(page.get_by_role("row", name=re.compile(words["statement"]))).to_contain_text(line_b)
    screenshot(page, "statement")
