"""The pages people read, portal and admin, in English and French, over the demo's history:
no amount is written as a plain decimal ("12500.00", "1761,54") and no day as an ISO date
("2026-11-25") in what is shown; only addresses, fields and attributes keep them."""

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

# A plain decimal amount: 12500.00 or 35217.46, not $12,500.00 ("$" or "," before it) nor
# a rate (6.25%).
PLAIN_POINT = re.compile(r"(?<![\d,.$\w])\d+\.\d{2}(?![\d%])")
# A decimal comma outside French money and rates: 1761,54 but not 1 761,54 $ or 6,25 %;
# nor English thousands (12,500.00: more digits follow).
PLAIN_COMMA = re.compile(r"(?<![\w,.])\d+,\d{2}(?!\d|[.,]\d)(?!\u00a0[$%])")
ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
# Django's own English date format ("Oct. 1, 2026") and French days written without "1er".
ABBREVIATED = re.compile(r"\b(Jan|Feb|Aug|Sept|Oct|Nov|Dec)\. \d")
FIRST_WITHOUT_ER = re.compile(
    r"(?<![\d])1 (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|"
    r"novembre|décembre)"
)


class _Text(HTMLParser):
    """The text a person reads: no tags, attributes, scripts or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag in ("script", "style", "textarea"):
            self._hidden += 1

    def handle_endtag(self, tag) -> None:
        if tag in ("script", "style", "textarea"):
            self._hidden -= 1

    def handle_data(self, data) -> None:
        if not self._hidden:
            self.parts.append(data)


def shown(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def typed_by_people() -> list[str]:
    """What people wrote on the demo's cases, shown as they wrote it (a tariff heading,
    61.09, is not an amount)."""
    from cases.models import Case

    return [text for case in Case.objects.all() for text in (case.reason, case.goods_description)]


def unformatted(text: str, typed: list[str] = ()) -> list[str]:
    for words in typed:
        text = text.replace(words, "")
    return [
        match.group(0)
        for pattern in (PLAIN_POINT, PLAIN_COMMA, ISO_DAY, ABBREVIATED, FIRST_WITHOUT_ER)
        for match in pattern.finditer(text)
    ]


def test_the_scan_finds_what_it_looks_for():
    assert unformatted("Total 12500.00 and 1761,54, dated 2026-11-25, Oct. 1, 2026") == [
        "12500.00",
        "1761,54",
        "2026-11-25",
        "Oct. 1",
    ]
    assert unformatted("le 1 octobre 2026") == ["1 octobre"]
    nbsp = "\u00a0"
    fine = (
        f"$12,500.00 -$1,761.54 $5.00 6.25% 12{nbsp}500,00{nbsp}$ 1{nbsp}761,54{nbsp}$ "
        f"6,25{nbsp}% October 1, 2026 1er octobre 2026 11 octobre 2026 version 1.3.1"
    )
    assert unformatted(shown(f'<a href="?after=2026-11-25&amount=12500.00">{fine}</a>')) == []


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo's personas and a few months of history."""
    from django.core.management import call_command

    from accounts.models import User

    with django_db_blocker.unblock():
        call_command("seed_demo", "--months", "4")
        yield {
            "bam": User.objects.get(email="maple.bam@example.com"),
            "officer": User.objects.get(email="officer@example.com"),
        }
    with django_db_blocker.unblock():
        call_command("flush", interactive=False)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _importer_pages(bam) -> list[str]:
    from cases.models import Case
    from financial.models import Declaration, Payment, Posting, Statement

    account = bam.memberships.get().business.program_accounts.order_by("bn15").first()
    statement = Statement.objects.filter(program_account=account).latest("period_end")
    payment = Payment.objects.filter(program_account=account).latest("pk")
    declaration = Declaration.objects.filter(program_account=account).latest("pk")
    bn15 = account.bn15
    posted_on = Posting.objects.filter(program_account=account).latest("posted_at").posted_at
    return [
        reverse("home"),
        reverse("pay", args=[bn15]),
        reverse("payments_applied", args=[bn15]),
        reverse("daily_notice", args=[bn15, timezone.localdate(posted_on).isoformat()]),
        reverse("pad_agreement", args=[bn15]),
        reverse("cases", args=[bn15]),
        *[reverse("case", args=[case.pk]) for case in Case.objects.filter(program_account=account)],
        reverse("rulings", args=[bn15]),
        reverse("applications"),
        reverse("employees", args=[account.business.bn9]),
        reverse("access_log", args=[account.business.bn9]),
        reverse("program_account", args=[bn15]),
        reverse("transactions", args=[bn15]),
        reverse("statements", args=[bn15]),
        reverse("statement", args=[bn15, statement.period_end.isoformat()]),
        reverse("payments", args=[bn15]),
        reverse("payment", args=[bn15, payment.pk]),
        reverse("invoices", args=[bn15]),
        reverse("refunds", args=[bn15]),
        reverse("declaration", args=[declaration.transaction_number]),
        reverse("financial_security", args=[bn15]),
        reverse("notifications:inbox"),
    ]


def _admin_pages() -> list[str]:
    from cases.models import Case
    from financial.models import Declaration, Statement

    declaration = Declaration.objects.latest("pk")
    statement = Statement.objects.latest("pk")
    return [
        reverse("admin:financial_posting_changelist"),
        reverse("admin:financial_payment_changelist"),
        reverse("admin:financial_statement_changelist"),
        reverse("admin:financial_statement_change", args=[statement.pk]),
        reverse("admin:financial_accountbalance_changelist"),
        reverse("admin:financial_declaration_changelist"),
        reverse("admin:financial_declaration_change", args=[declaration.pk]),
        reverse("admin:financial_declarationversion_changelist"),
        reverse("admin:financial_invoice_changelist"),
        reverse("admin:financial_refundrequest_changelist"),
        reverse("admin:financial_interestaccrual_changelist"),
        reverse("admin:financial_prescribedrate_changelist"),
        reverse("admin:payments_padrun_changelist"),
        reverse("admin:cases_case_changelist"),
        *[reverse("admin:cases_case_work", args=[case.pk]) for case in Case.objects.all()],
        reverse("admin:security_cashdeposit_changelist"),
        reverse("admin:security_suretybond_changelist"),
        reverse("admin:security_rppreview_changelist"),
        reverse("admin:notifications_notification_changelist"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fr"])
def test_portal_pages_write_amounts_and_days_for_people(demo, language):
    client = _client(demo["bam"])
    with translation.override(language):
        pages = _importer_pages(demo["bam"])
    found = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = shown(response.content.decode())
        if left := unformatted(text, typed_by_people()):
            found[url] = left
    assert found == {}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fr"])
def test_admin_pages_write_amounts_and_days_for_people(demo, language):
    client = _client(demo["officer"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language  # as a portal page leaves it
    with translation.override(language):
        pages = _admin_pages()
    found = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'lang="{language}"' in response.content.decode()
        text = shown(response.content.decode())
        if left := unformatted(text, typed_by_people()):
            found[url] = left
    assert found == {}


@pytest.mark.django_db
def test_the_pages_show_the_demos_amounts_in_each_language(demo):
    """The scan reads pages that do hold amounts and days, in both formats."""
    client = _client(demo["bam"])
    with translation.override("en"):
        english = shown(client.get(_importer_pages(demo["bam"])[3]).content.decode())
    with translation.override("fr"):
        french = shown(client.get(_importer_pages(demo["bam"])[3]).content.decode())
    assert re.search(r"\$\d{1,3}(,\d{3})*\.\d{2}", english)
    assert re.search(
        r"\b(January|February|March|April|May|June|July|August|September|"
        r"October|November|December) \d{1,2}, \d{4}",
        english,
    )
    assert re.search(r"\d,\d{2}\u00a0\$", french)
    assert re.search(
        r"\d{1,2}(er)? (janvier|février|mars|avril|mai|juin|juillet|août|"
        r"septembre|octobre|novembre|décembre) \d{4}",
        french,
    )
