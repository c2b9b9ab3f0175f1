"""Each demo persona does, in English and in French, what that person comes to the portal
for, through links and forms. Every page reached passes axe-core (no serious or critical
WCAG 2.1 AA violation), and in French says nothing in English: nor do the emails French
readers receive or the PDFs downloaded on the way (tests/e2e/journey.py)."""

import datetime
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from tests.e2e.journey import Journey

LANGUAGES = ["en", "fr"]
MAPLE = "123456782"
RM1, RM2 = f"{MAPLE}RM0001", f"{MAPLE}RM0002"
BROKER = "555123454"


@pytest.fixture
def demo(db):
    call_command("seed_demo", months=3, verbosity=0)
    mail.outbox.clear()


def journey(live_server, audit_page, language: str, persona: str, **options) -> Journey:
    return Journey(audit_page, live_server.url, language, persona, **options)


def link(journey: Journey, href_end: str):
    return journey.page.locator(f'#main-content a[href$="{href_end}"]').first


LINE_FIELDS = ("hs_code", "description", "quantity", "value_for_duty", "duty_rate")


def fill_declaration(page, port: str, vendor: str, line: tuple[str, ...]) -> None:
    """The declaration form with goods released yesterday and one line of them."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    page.locator('input[name="release_date"]').fill(yesterday.isoformat())
    page.locator('input[name="port_of_entry"]').fill(port)
    page.locator('input[name="vendor"]').fill(vendor)
    for name, value in zip(LINE_FIELDS, line, strict=True):
        page.locator(f'input[name$="-{name}"]').first.fill(value)


def french_readers_mail() -> list:
    from accounts.models import User

    french = set(User.objects.filter(preferred_language="fr").values_list("email", flat=True))
    return [message for message in mail.outbox if french & set(message.to)]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.django_db(transaction=True)
def test_importer_bam(live_server, audit_page, demo, language):
    """Marie, Maple's Business Account Manager: her account, its history, a statement and
    its PDF, a declaration filed, a payment and a receipt, the broker's terms, the
    financial security, the inbox; then every other page of her business."""
    j = journey(live_server, audit_page, language, "importer")
    page = j.page
    j.sign_in("maple.bam@example.com", screenshot="sign-in")
    j.screenshot("home")
    j.click(link(j, f"/program-accounts/{RM1}/"), "program-account")

    j.click(link(j, "/transactions/"), "transaction-history")
    j.click(page.locator(f'a[href$="/program-accounts/{RM1}/"]').first)
    j.click(link(j, "/statements/"), "statements")
    j.click(page.locator('#main-content a[href*="/statements/20"][href$="/"]').first)
    j.screenshot("statement", full_page=True)
    with page.expect_download() as download:
        link(j, ".pdf").click()
    j.check_pdf(download.value.path().read_bytes(), "statement PDF", bilingual=True)

    j.goto(f"/{{lang}}/program-accounts/{RM1}/")
    j.click(link(j, "/declarations/new/"))
    goods = {"en": "Laptops", "fr": "Ordinateurs portables"}[language]
    fill_declaration(
        page, "0497", "Acme Electronics", ("8471.30.0000", goods, "10", "12000.00", "0")
    )
    j.screenshot("file-declaration", full_page=True)
    j.click(page.locator('#main-content button[type="submit"]:not([name])').first, "declaration")
    assert re.search(r"/declarations/\d+/$", page.url), page.url

    j.goto(f"/{{lang}}/program-accounts/{RM1}/")
    j.click(link(j, "/pay/"))
    page.locator('input[name="amount"]').fill("600.00")
    page.locator('input[name="method"][value="online_banking"]').check()
    j.screenshot("pay")
    j.click(page.locator('#main-content button[type="submit"]').last, "payment-pending")
    assert re.search(r"/payments/\d+/$", page.url), page.url
    j.goto(f"/{{lang}}/program-accounts/{RM1}/")
    j.click(link(j, "/payments/"), "payments")
    settled = page.locator('#main-content a[href*="/payments/"]:not([href$="/applied/"])')
    j.click(settled.nth(1))
    j.screenshot("payment", full_page=True)
    with page.expect_download() as download:
        link(j, "receipt.pdf").click()
    j.check_pdf(download.value.path().read_bytes(), "receipt PDF", bilingual=True)

    j.goto("/{lang}/")
    j.click(link(j, f"/businesses/{MAPLE}/third-parties/"), "third-parties")
    j.click(page.locator('#main-content a[href*="/third-parties/"][href$="/"]').first, "terms")

    j.goto(f"/{{lang}}/program-accounts/{RM1}/")
    j.click(link(j, "/financial-security/"))
    j.screenshot("financial-security", full_page=True)
    j.click(link(j, "/financial-security/sureties/"))
    j.goto(f"/{{lang}}/program-accounts/{RM1}/financial-security/update/")
    j.goto("/{lang}/")
    j.click(link(j, "/notifications/"), "notifications")

    for path in IMPORTER_PAGES:
        j.goto(path)
    for path in refusal_and_case_pages():
        j.goto(path)
    j.check_emails(french_readers_mail())
    j.finish()


# The rest of what a BAM of Maple may open.
IMPORTER_PAGES = [
    "/{lang}/profile/",
    "/{lang}/profile/api-keys/",
    f"/{{lang}}/program-accounts/{RM1}/invoices/",
    f"/{{lang}}/program-accounts/{RM1}/payments/applied/",
    f"/{{lang}}/program-accounts/{RM1}/refunds/",
    f"/{{lang}}/businesses/{MAPLE}/employees/",
    f"/{{lang}}/businesses/{MAPLE}/access-log/",
    "/{lang}/setup/register/",
    "/{lang}/setup/request-access/",
    "/{lang}/setup/",
    "/{lang}/applications/",
    "/{lang}/applications/business-number/",
    f"/{{lang}}/businesses/{MAPLE}/program-accounts/new/",
    f"/{{lang}}/program-accounts/{RM2}/rpp/",
    f"/{{lang}}/program-accounts/{RM1}/rpp/",
    f"/{{lang}}/program-accounts/{RM1}/cases/",
    f"/{{lang}}/program-accounts/{RM1}/cases/appeal/",
    f"/{{lang}}/program-accounts/{RM1}/cases/ruling/",
    f"/{{lang}}/program-accounts/{RM1}/rulings/",
    f"/{{lang}}/program-accounts/{RM1}/pre-authorized-debit/",
    f"/{{lang}}/program-accounts/{RM1}/pre-authorized-debit/new/",
]


def refusal_and_case_pages() -> list[str]:
    """An AMP invoice, a refund refused with its reason, the demo's ruling request and its
    withdrawal, the broker's revocation page."""
    from cases.models import Case
    from delegation.models import Relationship
    from financial.models import Invoice

    case = Case.objects.get().pk
    amp = Invoice.objects.get(program_account__bn15=RM1, kind="amp").pk
    relationship = Relationship.objects.get(importer__bn9=MAPLE, status="active").pk
    return [
        f"/{{lang}}/program-accounts/{RM1}/invoices/{amp}/",
        f"/{{lang}}/program-accounts/{RM1}/refunds/{refused_refund().pk}/",
        f"/{{lang}}/cases/{case}/",
        f"/{{lang}}/cases/{case}/withdraw/",
        f"/{{lang}}/businesses/{MAPLE}/third-parties/{relationship}/revoke/",
    ]


REFUSAL = "Le compte fait l'objet d'une vérification."


def refused_refund():
    """A refund request of RM0001 that went its whole way to a refusal (the officer wrote
    the reason in French, Marie's language)."""
    from accounts.models import ProgramAccount, User
    from financial.models import RefundRequest

    bam = User.objects.get(email="maple.bam@example.com")
    officer = User.objects.get(email="officer@example.com")
    now = timezone.now()
    return RefundRequest.objects.create(
        program_account=ProgramAccount.objects.get(bn15=RM1),
        amount="25.00",
        idempotency_key="journey",
        requested_by=bam,
        status="refused",
        approved_by=officer,
        approved_at=now,
        refused_by=officer,
        refused_at=now,
        refusal_reason=REFUSAL,
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.django_db(transaction=True)
def test_reader(live_server, audit_page, demo, language):
    """Rajesh reads RM0001 only: its pages open, its forms do not, RM0002 is not there."""
    j = journey(live_server, audit_page, language, "reader")
    page = j.page
    j.sign_in("maple.reader@example.com")
    j.screenshot("home")
    assert page.locator(f'#main-content a[href$="/program-accounts/{RM2}/"]').count() == 0
    j.click(link(j, f"/program-accounts/{RM1}/"))
    assert link(j, "/pay/").count() == 0
    j.click(link(j, "/transactions/"))
    j.goto(f"/{{lang}}/program-accounts/{RM1}/")
    j.click(link(j, "/statements/"))
    j.click(page.locator('#main-content a[href*="/statements/20"][href$="/"]').first)
    j.goto(f"/{{lang}}/program-accounts/{RM1}/")
    j.click(link(j, "/payments/"))
    j.goto(f"/{{lang}}/program-accounts/{RM1}/")
    j.click(link(j, "/financial-security/"))
    j.goto(f"/{{lang}}/program-accounts/{RM1}/")
    j.click(link(j, "/cases/"))

    refused = page.goto(j.url(f"/{{lang}}/program-accounts/{RM1}/pay/"))
    assert refused.status == 403
    j.arrived("refused")
    unseen = page.goto(j.url(f"/{{lang}}/program-accounts/{RM2}/"))
    assert unseen.status == 404
    j.arrived()
    j.finish()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.django_db(transaction=True)
def test_broker(live_server, audit_page, demo, language):
    """Brigitte, Northern Customs Brokers' BAM, finds Maple among her clients, opens the
    account the relationship lets her see and files a declaration for it."""
    j = journey(live_server, audit_page, language, "broker")
    page = j.page
    j.sign_in("broker.bam@example.com")
    j.screenshot("home")
    j.click(link(j, f"/businesses/{BROKER}/clients/"), "my-clients")
    j.click(link(j, f"/program-accounts/{RM1}/"), "client-account")
    assert link(j, "/financial-security/").count() == 0  # not in the relationship's terms
    j.click(link(j, "/declarations/new/"))
    goods = {"en": "Cotton T-shirts", "fr": "T-shirts de coton"}[language]
    fill_declaration(
        page, "0395", "Lakeside Textiles", ("6109.10.0010", goods, "500", "4000.00", "18")
    )
    j.screenshot("file-for-client", full_page=True)
    j.click(page.locator('#main-content button[type="submit"]:not([name])').first, "filed")
    assert re.search(r"/declarations/\d+/$", page.url), page.url
    j.goto("/{lang}/")
    j.click(link(j, f"/businesses/{BROKER}/relationships/"), "relationships")
    j.goto("/{lang}/")
    j.click(link(j, f"/businesses/{BROKER}/client-groups/"), "client-groups")
    j.check_emails(french_readers_mail())
    j.finish()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.django_db(transaction=True)
def test_surety(live_server, audit_page, demo, language):
    """Sam, of True North Surety, reads the invitations importers sent and posts a bond
    where one invited the company."""
    j = journey(live_server, audit_page, language, "surety")
    page = j.page
    j.sign_in("surety@example.com")
    j.screenshot("home")
    j.click(link(j, "/sureties/bonds/"), "bonds")
    j.goto("/{lang}/")
    j.click(link(j, "/sureties/invitations/"), "invitations")
    j.click(link(j, f"?account={RM1}"))
    page.locator('input[name="bond_number"]').fill("TNS-2026-0733")
    page.locator('input[name="amount"]').fill("2500.00")
    page.locator('input[name="effective_date"]').fill(timezone.localdate().isoformat())
    j.screenshot("post-bond")
    j.click(page.locator('#main-content button[type="submit"]').first, "bond-posted")
    assert page.get_by_text("TNS-2026-0733").count() > 0
    j.check_emails(french_readers_mail())
    j.finish()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.django_db(transaction=True)
def test_officer(live_server, audit_page, demo, language):
    """Olivia, a CBSA officer, goes from the portal to the officers' workspace (in the
    portal page's language), opens a pending adjustment, approves a security reduction,
    works the ruling request and reads the payments, refunds and pre-authorized debits."""
    from accounts.models import ProgramAccount, User
    from security.models import ReductionRequest

    ReductionRequest.objects.create(
        program_account=ProgramAccount.objects.get(bn15=RM1),
        amount="3000.00",
        justification="Nos importations diminuent de moitié à partir de janvier.",
        requested_by=User.objects.get(email="maple.bam@example.com"),
    )
    j = journey(live_server, audit_page, language, "officer")
    page = j.page
    j.sign_in("officer@example.com")
    j.screenshot("portal")
    j.click(page.locator('#main-content a[href="/admin/"]'), "workspace")

    j.goto("/admin/financial/declarationversion/?status__exact=pending", "adjustments")
    j.click(page.locator('#content a[href*="/decide/"]').first, "adjustment-decision")
    j.goto("/admin/security/reductionrequest/")
    j.click(page.locator('#content a[href*="/decide/"]').first, "reduction-decision")
    # The note is for Marie, who reads French.
    page.locator("textarea").first.fill("Approuvé pour l'année qui vient.")
    j.click(page.locator('button[value="approve"]'), "reduction-approved")
    j.goto("/admin/cases/case/")
    j.click(page.locator('#content a[href*="/work/"]').first, "case-work")
    for path in OFFICER_PAGES:
        j.goto(path)
    j.check_emails(french_readers_mail())
    j.finish()


OFFICER_PAGES = [
    "/admin/financial/payment/",
    "/admin/financial/refundrequest/",
    "/admin/financial/invoice/",
    "/admin/payments/padagreement/",
    "/admin/payments/padrun/",
    "/admin/payments/padreturnfile/",
    "/{lang}/notifications/",
]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.django_db(transaction=True)
def test_newcomer(live_server, audit_page, demo, language):
    """Jordan signs up, confirms the address from the email, signs in for the first time
    and asks Maple's Business Account Manager for access."""
    j = journey(live_server, audit_page, language, "newcomer")
    page = j.page
    j.goto("/{lang}/accounts/password/reset/")
    j.goto("/{lang}/accounts/login/")
    j.click(link(j, "/accounts/signup/"), "sign-up")
    password = "maple-syrup-and-customs-2026"
    page.locator('input[name="email"]').fill("jordan@maple.example")
    page.locator('input[name="password1"]').fill(password)
    page.locator('input[name="password2"]').fill(password)
    j.click(page.locator('#main-content button[type="submit"]').first, "check-your-email")
    confirmation = mail.outbox[-1]
    if language == "fr":  # Jordan signed up on the French pages
        j.check_emails([confirmation])
    address = re.search(r"http://\S+/accounts/confirm-email/\S+/", confirmation.body).group(0)
    page.goto(address)
    j.arrived("confirm-email")
    j.click(page.locator('#main-content button[type="submit"]').first)
    if "/accounts/login/" in page.url:
        j.sign_in("jordan@maple.example", password)
    j.screenshot("first-sign-in")
    j.click(link(j, "/setup/request-access/"), "request-access")
    page.locator('input[name="bn9"]').fill(MAPLE)
    page.locator('textarea[name="comment"]').fill(
        {"en": "Accounts payable, RM0001.", "fr": "Comptes fournisseurs, RM0001."}[language]
    )
    j.click(page.locator('#main-content button[type="submit"]').first, "access-requested")
    j.check_emails(french_readers_mail())
    j.finish()
