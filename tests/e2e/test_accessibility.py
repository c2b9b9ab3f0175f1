"""WCAG 2.1 AA: axe-core (4.14.1, vendored in tests/e2e/vendor) finds no serious or
critical violation on the portal's pages, in English and in French."""

from pathlib import Path

import pytest

from demo.personas import DEMO_PASSWORD

AXE = (Path(__file__).parent / "vendor" / "axe-4.14.1.min.js").read_text()
RUN_AXE = """async () => {
  const tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return results.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(" ")).join(", ")}`);
}"""

SIGNED_OUT = [
    "/{lang}/accounts/login/",
    "/{lang}/accounts/signup/",
    "/{lang}/accounts/password/reset/",
]
SIGNED_IN = [
    "/{lang}/",
    "/{lang}/notifications/",
    "/{lang}/profile/",
    "/{lang}/profile/api-keys/",
    "/{lang}/program-accounts/123456782RM0001/",
    "/{lang}/program-accounts/123456782RM0001/transactions/",
    "/{lang}/program-accounts/123456782RM0001/declarations/new/",
    "/{lang}/program-accounts/123456782RM0001/pay/",
    "/{lang}/program-accounts/123456782RM0001/statements/",
    "/{lang}/program-accounts/123456782RM0001/invoices/",
    "/{lang}/program-accounts/123456782RM0001/payments/",
    "/{lang}/program-accounts/123456782RM0001/payments/applied/",
    "/{lang}/program-accounts/123456782RM0001/refunds/",
    "/{lang}/businesses/123456782/employees/",
    "/{lang}/businesses/123456782/third-parties/",
    "/{lang}/businesses/123456782/access-log/",
    "/{lang}/setup/register/",
    "/{lang}/setup/request-access/",
    "/{lang}/setup/",
    "/{lang}/applications/",
    "/{lang}/applications/business-number/",
    "/{lang}/businesses/123456782/program-accounts/new/",
    "/{lang}/program-accounts/123456782RM0002/rpp/",
    "/{lang}/program-accounts/123456782RM0001/rpp/",
    "/{lang}/program-accounts/123456782RM0001/cases/",
    "/{lang}/program-accounts/123456782RM0001/cases/appeal/",
    "/{lang}/program-accounts/123456782RM0001/cases/ruling/",
    "/{lang}/program-accounts/123456782RM0001/rulings/",
    "/{lang}/program-accounts/123456782RM0001/pre-authorized-debit/",
    "/{lang}/program-accounts/123456782RM0001/pre-authorized-debit/new/",
    "/{lang}/program-accounts/123456782RM0001/financial-security/",
    "/{lang}/program-accounts/123456782RM0001/financial-security/sureties/",
]
# The demo surety's pages, signed in as its user.
SURETY = [
    "/{lang}/sureties/bonds/",
    "/{lang}/sureties/invitations/",
]


def violations(page, url: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.add_script_tag(content=AXE)
    return page.evaluate(RUN_AXE)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_pages_have_no_serious_accessibility_violations(live_server, audit_page, lang):
    page = audit_page
    from django.core.management import call_command

    from financial.models import Invoice, Payment, Statement

    call_command("seed_demo")
    from cases.models import Case

    latest = Statement.objects.filter(program_account__bn15="123456782RM0001").latest("period_end")
    case = f"/{{lang}}/cases/{Case.objects.get().pk}/"
    statement = f"/{{lang}}/program-accounts/123456782RM0001/statements/{latest.period_end}/"
    amp = Invoice.objects.get(program_account__bn15="123456782RM0001", kind="amp")
    invoice = f"/{{lang}}/program-accounts/123456782RM0001/invoices/{amp.pk}/"
    from delegation.models import Relationship

    relationship = Relationship.objects.filter(importer__bn9="123456782", status="active").first()
    revoke = f"/{{lang}}/businesses/123456782/third-parties/{relationship.pk}/revoke/"
    withdraw = f"/{{lang}}/cases/{Case.objects.get().pk}/withdraw/"
    paid = Payment.objects.filter(program_account__bn15="123456782RM0001").latest("created_at")
    payment = f"/{{lang}}/program-accounts/123456782RM0001/payments/{paid.pk}/"
    refund = f"/{{lang}}/program-accounts/123456782RM0001/refunds/{_refused_refund().pk}/"
    base = live_server.url
    found = {}
    for path in SIGNED_OUT:
        url = base + path.format(lang=lang)
        found[url] = violations(page, url)
    page.goto(f"{base}/en/accounts/login/")
    page.get_by_label("Email").fill("maple.bam@example.com")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{base}/fr/")  # Marie works in French
    for path in [*SIGNED_IN, statement, invoice, payment, refund, case, revoke, withdraw]:
        url = base + path.format(lang=lang)
        found[url] = violations(page, url)
    # An officer, linked to no business, starts on the page that leads to the admin.
    page.context.clear_cookies()
    page.goto(f"{base}/en/accounts/login/")
    page.get_by_label("Email").fill("officer@example.com")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{base}/en/")
    url = f"{base}/{lang}/"
    found[f"{url} (officer)"] = violations(page, url)
    page.context.clear_cookies()
    page.goto(f"{base}/en/accounts/login/")
    page.get_by_label("Email").fill("surety@example.com")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    for path in SURETY:
        url = base + path.format(lang=lang)
        found[url] = violations(page, url)
        assert "/accounts/login/" not in page.url
    assert {url: problems for url, problems in found.items() if problems} == {}


def _refused_refund():
    """A refund request of RM0001 that went its whole way to a refusal, for its page."""
    from django.utils import timezone

    from accounts.models import ProgramAccount, User
    from financial.models import RefundRequest

    bam = User.objects.get(email="maple.bam@example.com")
    officer = User.objects.get(email="officer@example.com")
    now = timezone.now()
    return RefundRequest.objects.create(
        program_account=ProgramAccount.objects.get(bn15="123456782RM0001"),
        amount="25.00",
        idempotency_key="accessibility",
        requested_by=bam,
        status="refused",
        approved_by=officer,
        approved_at=now,
        refused_by=officer,
        refused_at=now,
        refusal_reason="The account is under audit.",
    )
