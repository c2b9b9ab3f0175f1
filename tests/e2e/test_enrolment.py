"""A newcomer with no business applies for a business number, an officer approves it, the
newcomer opens RM0001 and applies for RPP, a surety posts the bond, the officer approves,
and the account has RPP: in English and in French."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from accounts.services.officers import officers_group_sync
from enrolment.models import RppApplication
from tests.e2e.test_business_access import sign_in
from tests.factories import BusinessFactory, UserFactory, member

WORDS = {
    "en": {
        "apply": "Apply for a business number",
        "send": "Send the application",
        "submitted": "Submitted",
        "approved": "Approved",
        "open": "Open an import/export program account",
        "open_button": "Open the account",
        "security": "Financial Security",
        "enrol": "Enrol in RPP",
        "active": "Active",
    },
    "fr": {
        "apply": "Demander un numéro d'entreprise",
        "send": "Envoyer la demande",
        "submitted": "Soumise",
        "approved": "Approuvée",
        "open": "Ouvrir un compte de programme d'importation-exportation",
        "open_button": "Ouvrir le compte",
        "security": "Garantie financière",
        "enrol": "Adhérer à la MAP",
        "active": "Actif",
    },
}


def decide(page, base: str, model: str, screenshot) -> None:
    """The officer opens the queue, the waiting application, and approves it."""
    page.goto(f"{base}/admin/enrolment/{model}/?status__exact=submitted")
    page.get_by_role("link", name="Decide").first.click()
    screenshot(page, f"officer-decides-{model}")
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("The application is decided")).to_be_visible()


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.django_db(transaction=True)
def test_from_no_business_to_rpp(live_server, browser, page, screenshot, language):
    base, words = live_server.url, WORDS[language]
    UserFactory(email="founder@aurora.example", first_name="Amélie", last_name="Roy")
    officer = UserFactory(email="officer@cbsa.example", is_staff=True)
    officer.groups.add(officers_group_sync())
    surety = BusinessFactory(bn9="777888991", legal_name="True North Surety Co.", is_surety=True)
    member(UserFactory(email="bonds@surety.example"), surety, Role.BAM)
    officer_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(officer_page, base, "officer@cbsa.example")

    # The newcomer applies for a business number.
    sign_in(page, base, "founder@aurora.example")
    page.goto(f"{base}/{language}/setup/")
    page.get_by_role("link", name=words["apply"]).first.click()
    page.locator('[name="legal_name"]').fill("Aurora Outfitters Inc.")
    page.locator('[name="operating_name"]').fill("Aurora")
    page.locator('[name="organization_type"]').select_option("corporation")
    page.locator('[name="street"]').fill("12 Rue Principale")
    page.locator('[name="city"]').fill("Gatineau")
    page.locator('[name="province"]').select_option("QC")
    page.locator('[name="postal_code"]').fill("j8x1c6")
    page.locator('[name="applicant_role"]').select_option("director")
    screenshot(page, "bn-form")
    page.get_by_role("button", name=words["send"]).click()
    expect(page.locator("dd strong")).to_have_text(words["submitted"])
    screenshot(page, "bn-submitted")

    # The officer approves it: the business has a number, the newcomer is its BAM.
    decide(officer_page, base, "businessnumberapplication", screenshot)
    screenshot(officer_page, "officer-approved-bn")
    page.reload()
    expect(page.locator("dd strong")).to_have_text(words["approved"])
    bn9 = re.search(r"\b70\d{7}\b", page.content()).group(0)
    screenshot(page, "bn-approved")

    # RM0001 opens at once.
    page.goto(f"{base}/{language}/?business={bn9}")
    page.get_by_role("link", name=words["open"]).click()
    page.locator('[name="start_date"]').fill(timezone.localdate().isoformat())
    page.locator('[name="activity"][value="import"]').check()
    page.locator('[name="description"]').fill("Outdoor apparel.")
    page.get_by_role("button", name=words["open_button"]).click()
    expect(page.get_by_role("heading", name=re.compile(f"{bn9} RM 0001"))).to_be_visible()
    screenshot(page, "rm0001-open")

    # RPP: the application shows the $5,000 minimum and waits for the security.
    page.get_by_role("link", name=words["security"]).click()
    page.get_by_role("link", name=words["enrol"]).click()
    page.locator('[name="expected_monthly_ar"]').fill("30000")
    screenshot(page, "rpp-form")
    page.get_by_role("button", name=words["send"]).click()
    expect(page.locator("dd strong")).to_have_text(words["submitted"])
    screenshot(page, "rpp-submitted")

    # The importer invites its surety; the surety posts the bond, and the officer approves.
    page.goto(f"{base}/{language}/program-accounts/{bn9}RM0001/financial-security/sureties/")
    page.locator('[name="surety_bn9"]').fill("777888991")
    page.locator("form.carm-form button[type=submit]").click()
    expect(page.get_by_role("row", name=re.compile("True North Surety Co."))).to_be_visible()
    screenshot(page, "surety-invited")

    surety_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(surety_page, base, "bonds@surety.example")
    surety_page.goto(f"{base}/en/sureties/bonds/")
    surety_page.get_by_label("Importer's program account number (BN15)").fill(f"{bn9}RM0001")
    surety_page.get_by_label("Bond number").fill("TN-AURORA-1")
    surety_page.get_by_label("Bond amount (CAD)").fill("5000")
    surety_page.get_by_role("button", name="Post the bond").click()
    expect(surety_page.get_by_text("TN-AURORA-1").first).to_be_visible()
    decide(officer_page, base, "rppapplication", screenshot)
    screenshot(officer_page, "officer-approved-rpp")
    assert RppApplication.objects.get().status == "approved"

    page.goto(f"{base}/{language}/program-accounts/{bn9}RM0001/financial-security/")
    expect(page.locator("dd").first).to_have_text(words["active"])
    screenshot(page, "rpp-active")
