"""An importer signs a pre-authorized debit agreement; the statement is debited on its
due date, the officer downloads the day's file, the bank returns the debit for NSF, and
the importer sees why: in English and in French."""

import datetime
import re
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from accounts.services.officers import officers_group_sync
from financial import cpa005
from financial.calendar import EASTERN
from financial.models import Statement
from financial.selectors import account_balance
from financial.services import posting_create
from financial.statements import last_period_end, statements_issue
from payments.models import PadDebit
from payments.services import pad_run
from tests.e2e.test_business_access import sign_in
from tests.factories import PASSWORD, BusinessFactory, ProgramAccountFactory, UserFactory, member

WORDS = {
    "en": {
        "link": "Pre-authorized debit",
        "start": "Sign an agreement",
        "password": "Password",
        "confirm": "Confirm",
        "holder": "Name of the account holder",
        "institution": "Financial institution number",
        "transit": "Branch transit number",
        "account": "Account number",
        "accept": "I have read the terms above",
        "sign": "Sign the agreement",
        "signed": "The pre-authorized debit agreement is signed.",
        "transit_error": "The branch transit number has 5 digits",
        "returned": "Returned by the bank: Not enough money in the account (NSF)",
    },
    "fr": {
        "link": "Débit préautorisé",
        "start": "Signer un accord",
        "password": "Mot de passe",
        "confirm": "Confirmer",
        "holder": "Nom du titulaire du compte",
        "institution": "Numéro d'institution financière",
        "transit": "Numéro de domiciliation (transit)",
        "account": "Numéro de compte",
        "accept": "J'ai lu les modalités ci-dessus",
        "sign": "Signer l'accord",
        "signed": "L'accord de débit préautorisé est signé.",
        "transit_error": "Le numéro de domiciliation (transit) compte 5 chiffres",
        "returned": "Retourné par la banque : Provision insuffisante (NSF)",
    },
}


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.django_db(transaction=True)
def test_a_statement_debited_and_returned(
    live_server, browser, page, screenshot, language, tmp_path
):
    base, words = live_server.url, WORDS[language]
    maple = BusinessFactory(bn9="123456782", legal_name="Maple Leaf Imports Inc.")
    rm1 = ProgramAccountFactory(business=maple, reference="RM0001")
    owner = UserFactory(email="owner@maple.example", first_name="Marie", last_name="Tremblay")
    member(owner, maple, Role.BAM)
    officer = UserFactory(email="officer@cbsa.example", is_staff=True)
    officer.groups.add(officers_group_sync())
    period_end = last_period_end(timezone.localdate())
    posting_create(
        program_account=rm1,
        kind="charge",
        amount=D("1250.00"),
        gst=D("1250.00"),
        posted_at=datetime.datetime.combine(period_end, datetime.time(11), tzinfo=EASTERN),
    )
    statements_issue(period_end=period_end)
    statement = Statement.objects.get()

    # The importer's BAM signs, after a typing mistake that keeps what was typed.
    sign_in(page, base, "owner@maple.example")
    page.goto(f"{base}/{language}/program-accounts/{rm1.bn15}/")
    page.get_by_role("link", name=words["link"], exact=True).click()
    page.get_by_role("link", name=words["start"]).click()
    # Signing asks for the password once more.
    page.wait_for_url("**/accounts/reauthenticate/**")
    page.get_by_label(words["password"]).fill(PASSWORD)
    page.get_by_role("button", name=words["confirm"]).click()
    page.get_by_label(words["holder"]).fill("Maple Leaf Imports Inc.")
    page.get_by_label(words["institution"]).fill("003")
    page.get_by_label(words["transit"]).fill("1234")
    page.get_by_label(words["account"]).fill("987654321")
    page.get_by_label(re.compile(words["accept"])).check()
    page.get_by_role("button", name=words["sign"]).click()
    expect(page.get_by_text(words["transit_error"]).first).to_be_visible()
    expect(page.get_by_label(words["account"])).to_have_value("987654321")
    screenshot(page, "pad-form-error")
    page.get_by_label(words["transit"]).fill("12345")
    page.get_by_label(re.compile(words["accept"])).check()
    page.get_by_role("button", name=words["sign"]).click()
    expect(page.get_by_text(words["signed"])).to_be_visible()
    expect(page.get_by_text("•••• 4321").first).to_be_visible()
    assert "987654321" not in page.content()
    screenshot(page, "pad-signed")

    # On the due date the statement is debited; the officer takes the day's file.
    run, _ = pad_run(day=statement.due_date)
    assert account_balance(rm1) == D("0.00")
    officer_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(officer_page, base, "officer@cbsa.example")
    officer_page.goto(f"{base}/admin/payments/padrun/")
    with officer_page.expect_download() as download:
        officer_page.get_by_role("link", name=run.file_name).click()
    sent = cpa005.read_debit_file(download.value.path().read_bytes().decode("ascii"))
    assert [(d.amount, d.account) for d in sent.debits] == [(D("1250.00"), "987654321")]
    screenshot(officer_page, "officer-runs")

    # The bank returns it for NSF; the returns file is imported.
    debit = PadDebit.objects.get()
    returns = tmp_path / "returns.txt"
    returns.write_bytes(
        cpa005.write_returns_file(
            sent.header, [cpa005.ReturnedDebit(debit=sent.debits[0], reason_code="901")]
        ).encode("ascii")
    )
    call_command("import_pad_returns", str(returns))
    debit.payment.refresh_from_db()
    assert debit.payment.status == "returned"
    assert account_balance(rm1) == D("1250.00")

    page.reload()
    expect(page.get_by_text(words["returned"])).to_be_visible()
    screenshot(page, "pad-returned")
    page.goto(f"{base}/{language}/notifications/")
    expect(page.get_by_text("NSF").first).to_be_visible()
    screenshot(page, "notified")
