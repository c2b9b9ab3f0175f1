"""CBSA invoices (docs/rules.md §10): an officer issues one on a program account (a charge
posts, the BAMs hear of it), may cancel it once (the reversal posts), never edits it; the
importer sees it on its own page, pays it, and finds it on the statement of its period."""

import datetime
from decimal import Decimal as D

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from carm.formats import day
from delegation.models import AccessLogEntry
from financial.calendar import EASTERN, start_of
from financial.errors import FinancialError
from financial.models import Declaration, Invoice, Posting, Statement
from financial.selectors import account_balance, statement_invoice_events, with_invoice_status
from financial.services import (
    declaration_file,
    invoice_cancel,
    invoice_issue,
    payment_create,
)
from financial.statements import statements_issue
from notifications.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LINE = {
    "hs_code": "8471300000",
    "description": "Laptops",
    "quantity": D("1"),
    "value_for_duty": D("1000.00"),
    "duty_rate": D("0.065"),
}


def issue(officer, account, amount="250.00", reference="AMP-2026-000123", **extra) -> Invoice:
    return invoice_issue(
        officer=officer,
        program_account=account,
        kind=extra.pop("kind", Invoice.Kind.AMP),
        amount=D(amount),
        due_date=extra.pop("due_date", timezone.localdate() + datetime.timedelta(days=30)),
        reference=reference,
        **extra,
    )


def pay(actor, account, amount: str, key: str):
    return payment_create(
        actor=actor,
        program_account=account,
        amount=D(amount),
        method="debit_card",
        idempotency_key=key,
    )


def status_of(invoice: Invoice) -> str:
    invoice = Invoice.objects.get(pk=invoice.pk)
    return with_invoice_status([invoice], timezone.localdate())[0].status


def ledger_total(account) -> D:
    return Posting.objects.filter(program_account=account).aggregate(t=Sum("amount"))["t"]


# --- Services ------------------------------------------------------------------------------


def test_issuing_posts_one_charge_and_tells_the_bams_once(officer, importer_bam, pam, reader, rm1):
    invoice = issue(officer, rm1, description="Late accounting, C152")
    posting = Posting.objects.get(program_account=rm1)
    assert (posting.kind, posting.amount, posting.description) == (
        "invoice",
        D("250.00"),
        "AMP-2026-000123",
    )
    assert invoice.posting == posting and invoice.issued_by == officer
    assert account_balance(rm1) == ledger_total(rm1) == D("250.00")
    notices = Notification.objects.filter(kind="invoice_issued")
    assert [n.recipient for n in notices] == [importer_bam]  # the BAMs, not the PAM or reader
    notice = notices.get()
    assert notice.link == reverse("invoice", args=[rm1.bn15, invoice.pk])
    assert notice.body == (
        "CBSA issued invoice AMP-2026-000123 on program account 123456782RM0001: "
        "Administrative monetary penalty (AMP), $250.00, due "
        f"{day(invoice.due_date)}."
    )
    with translation.override("fr"):
        assert "Sanction administrative pécuniaire" in Notification.objects.get().body


def test_cancelling_posts_one_reversal_once(officer, importer_bam, rm1):
    invoice = issue(officer, rm1)
    cancelled = invoice_cancel(officer=officer, invoice=invoice, reason="Issued in error.")
    reversal = cancelled.cancellation_posting
    assert (reversal.kind, reversal.amount) == ("invoice_cancellation", D("-250.00"))
    assert account_balance(rm1) == ledger_total(rm1) == D("0.00")
    with pytest.raises(FinancialError) as refused:
        invoice_cancel(officer=officer, invoice=invoice, reason="Again.")
    assert refused.value.code == "invoice_already_cancelled"
    assert Posting.objects.filter(kind="invoice_cancellation").count() == 1
    assert account_balance(rm1) == ledger_total(rm1) == D("0.00")
    assert (
        Notification.objects.filter(kind="invoice_cancelled", recipient=importer_bam).count() == 1
    )
    assert status_of(invoice) == "cancelled"


def test_an_invoice_is_never_edited_nor_deleted(officer, rm1):
    """The database holds it, whatever the caller does."""
    invoice = issue(officer, rm1)
    with pytest.raises(Exception, match="invoice_issued_as_is"), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(amount=D("1.00"))
    with pytest.raises(Exception, match="invoice_not_deleted"), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).delete()
    invoice_cancel(officer=officer, invoice=invoice, reason="Paid in another way.")
    with pytest.raises(Exception, match="invoice_cancelled_once"), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(cancellation_reason="Changed.")
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=issue(officer, rm1, reference="FEE-1").pk).update(
            cancelled_at=timezone.now()  # a cancellation without its reversal and reason
        )


REFUSALS = [
    ({"reference": "AMP 2026/1"}, "invoice_reference", "La référence"),
    ({"amount": "0.00"}, "amount", "supérieur à zéro"),
    ({"amount": "10.001"}, "amount", "supérieur à zéro"),
    ({"kind": "parking"}, "invoice_kind", "Choisissez le type de facture"),
    ({"due_date": datetime.date(2020, 1, 1)}, "invoice_due_date", "La date d'échéance"),
]


@pytest.mark.parametrize(("change", "code", "french"), REFUSALS)
def test_refusals_are_said_in_english_and_french(officer, rm1, change, code, french):
    with pytest.raises(FinancialError) as refused:
        issue(officer, rm1, **change)
    assert refused.value.code == code
    assert refused.value.message
    with translation.override("fr"):
        assert french in refused.value.message
    assert not Posting.objects.exists() and not Invoice.objects.exists()


def test_a_reference_is_issued_once(officer, rm1, rm2):
    issue(officer, rm1, reference="amp-2026-000123")  # stored as CBSA writes it
    assert Invoice.objects.get().reference == "AMP-2026-000123"
    with pytest.raises(FinancialError) as refused:
        issue(officer, rm2, reference="AMP-2026-000123")
    assert refused.value.message == "An invoice with the reference AMP-2026-000123 already exists."
    with translation.override("fr"):
        assert (
            refused.value.message == "Une facture portant la référence AMP-2026-000123 existe déjà."
        )
    assert Posting.objects.count() == 1


def test_only_officers_with_the_permission_issue_or_cancel(officer, importer_bam, rm1):
    for person in (importer_bam, UserFactory(is_staff=True)):
        with pytest.raises(FinancialError) as refused:
            issue(person, rm1)
        assert refused.value.code == "not_an_officer"
    invoice = issue(officer, rm1)
    with pytest.raises(FinancialError) as refused:
        invoice_cancel(officer=importer_bam, invoice=invoice, reason="Please.")
    with translation.override("fr"):
        assert "agent de l'ASFC" in refused.value.message
    with pytest.raises(FinancialError) as refused:
        invoice_cancel(officer=officer, invoice=invoice, reason="  ")
    assert refused.value.code == "invoice_cancellation_reason"
    assert not Invoice.objects.get().is_cancelled


def test_paid_once_payments_reach_it_oldest_debt_first(officer, importer_bam, rm1):
    declaration = declaration_file(
        actor=importer_bam,
        program_account=rm1,
        release_date=timezone.localdate(),
        port_of_entry="0497",
        vendor="Acme",
        lines=[LINE],
    )  # $118.25, owed first
    invoice = issue(officer, rm1, amount="500.00")

    def position():
        row = with_invoice_status([Invoice.objects.get()], timezone.localdate())[0]
        return row.status, row.unpaid, row.to_settle

    assert position() == ("outstanding", D("500.00"), D("618.25"))
    pay(importer_bam, rm1, "100.00", "k1")  # to the declaration
    assert position() == ("outstanding", D("500.00"), D("518.25"))
    assert Declaration.objects.get(pk=declaration.pk).status == "payment_required"
    pay(importer_bam, rm1, "300.00", "k2")  # the declaration's rest, then the invoice
    assert position() == ("outstanding", D("218.25"), D("218.25"))
    assert Declaration.objects.get(pk=declaration.pk).status == "paid"
    pay(importer_bam, rm1, "218.25", "k3")
    assert status_of(invoice) == "paid"
    assert account_balance(rm1) == ledger_total(rm1) == D("0.00")


def test_a_cancelled_invoice_pays_no_older_debt(officer, importer_bam, rm1):
    """Its reversal settles the invoice itself: a declaration waiting for payment before it
    stays waiting."""
    declaration_file(
        actor=importer_bam,
        program_account=rm1,
        release_date=timezone.localdate(),
        port_of_entry="0497",
        vendor="Acme",
        lines=[LINE],
    )
    invoice = issue(officer, rm1, amount="1000.00")
    invoice_cancel(officer=officer, invoice=invoice, reason="Issued in error.")
    pay(importer_bam, rm1, "1.00", "k1")  # its reversal would have covered the rest
    assert Declaration.objects.get().status == "payment_required"
    pay(importer_bam, rm1, "117.25", "k2")
    assert Declaration.objects.get().status == "paid"


def test_overdue_after_its_due_date(officer, rm1):
    issued = timezone.now() - datetime.timedelta(days=40)
    issue(
        officer, rm1, due_date=timezone.localdate(issued) + datetime.timedelta(days=30), at=issued
    )
    assert status_of(Invoice.objects.get()) == "overdue"


# --- Statements ----------------------------------------------------------------------------

OCT_17 = datetime.date(2026, 10, 17)
NOV_17 = datetime.date(2026, 11, 17)


def moment(day: str) -> datetime.datetime:
    return datetime.datetime.combine(
        datetime.date.fromisoformat(day), datetime.time(12), tzinfo=EASTERN
    )


@pytest.fixture
def invoiced(officer, importer_bam, rm1):
    """An AMP and a fee in October's period, the fee cancelled in November's; a payment."""
    amp = issue(
        officer, rm1, amount="250.00", due_date=datetime.date(2026, 11, 30), at=moment("2026-10-01")
    )
    fee = issue(
        officer,
        rm1,
        amount="40.00",
        reference="FEE-77",
        kind="service_fee",
        due_date=datetime.date(2026, 11, 30),
        at=moment("2026-10-02"),
    )
    payment_create(
        actor=importer_bam,
        program_account=rm1,
        amount=D("100.00"),
        method="debit_card",
        idempotency_key="oct",
        at=moment("2026-10-03"),
    )
    invoice_cancel(officer=officer, invoice=fee, reason="Waived.", at=moment("2026-10-20"))
    return amp, fee


def test_invoices_have_their_own_group_and_h_still_adds_up(rm1, invoiced):
    statements_issue(period_end=OCT_17)
    statements_issue(period_end=NOV_17)
    october, november = Statement.objects.order_by("period_end")
    assert (october.charges, october.invoices, october.cancelled_invoices) == (
        D("290.00"),
        D("290.00"),
        D("0.00"),
    )
    assert october.total_payable == D("190.00")
    assert (november.credits, november.invoices, november.cancelled_invoices) == (
        D("40.00"),
        D("0.00"),
        D("40.00"),
    )
    for statement in (october, november):
        owed = Posting.objects.filter(
            program_account=rm1,
            posted_at__lt=start_of(statement.period_end + datetime.timedelta(days=1)),
        ).aggregate(total=Sum("amount"))["total"]
        assert statement.total_payable == owed  # H = A + B - C + D + E + F - G
    assert november.total_payable == D("150.00")
    events = statement_invoice_events(october)
    assert [(e.invoice.reference, e.amount) for e in events] == [
        ("AMP-2026-000123", D("250.00")),
        ("FEE-77", D("40.00")),
    ]
    assert [(e.invoice.reference, e.amount) for e in statement_invoice_events(november)] == [
        ("FEE-77", D("-40.00"))
    ]


def test_the_statement_page_csv_and_pdf_show_the_invoices(client_for, importer_bam, rm1, invoiced):
    statements_issue(period_end=OCT_17)
    statement = Statement.objects.get()
    client = client_for(importer_bam)
    page = client.get(reverse("statement", args=[rm1.bn15, "2026-10-17"])).content.decode()
    for text in ("CBSA invoices", "Invoices issued", "$290.00", "AMP-2026-000123", "FEE-77"):
        assert text in page
    french = client.get(
        reverse("statement", args=[rm1.bn15, "2026-10-17"]).replace("/en/", "/fr/")
    ).content.decode()
    assert "Factures émises" in french and "Comprise dans la ligne" in french
    csv = client.get(reverse("statement_csv", args=[rm1.bn15, "2026-10-17"])).content.decode()
    lines = csv.splitlines()
    assert "invoices invoices (in F),290.00" in lines
    assert "invoices cancelled_invoices (in G),0.00" in lines
    assert "invoice AMP-2026-000123 issued,250.00" in lines
    pdf = client.get(reverse("statement_pdf", args=[rm1.bn15, "2026-10-17"]))
    assert pdf.content.startswith(b"%PDF")
    html = render_to_string(
        "financial/statement_pdf.html",
        {
            "account": rm1,
            "statement": statement,
            "invoice_events": statement_invoice_events(statement),
        },
    )
    assert "Invoices issued / Factures émises (F)" in html
    assert "AMP-2026-000123" in html
    api = client.get(f"/api/v1/program-accounts/{rm1.bn15}/statements/2026-10-17/").json()
    assert (api["invoices"], api["cancelled_invoices"]) == ("290.00", "0.00")


# --- Pages and API -------------------------------------------------------------------------


def test_the_invoice_page_and_pay_this_invoice(client_for, officer, importer_bam, rm1):
    invoice = issue(officer, rm1, description="Late accounting, C152")
    client = client_for(importer_bam)
    account_page = client.get(reverse("program_account", args=[rm1.bn15])).content.decode()
    assert reverse("invoices", args=[rm1.bn15]) in account_page
    listing = client.get(reverse("invoices", args=[rm1.bn15])).content.decode()
    assert "AMP-2026-000123" in listing and "Outstanding" in listing
    page = client.get(reverse("invoice", args=[rm1.bn15, invoice.pk])).content.decode()
    for text in (
        "Invoice AMP-2026-000123",
        "Administrative monetary penalty (AMP)",
        "$250.00",
        "Late accounting, C152",
        "Outstanding",
        "Pay this invoice",
    ):
        assert text in page
    pay_url = f"{reverse('pay', args=[rm1.bn15])}?amount=250.00"
    assert pay_url in page
    form = client.get(pay_url).content.decode()
    assert 'value="250.00"' in form
    french = client.get(
        reverse("invoice", args=[rm1.bn15, invoice.pk]).replace("/en/", "/fr/")
    ).content.decode()
    assert "Payer cette facture" in french and "?amount=250.00" in french


def test_paid_and_cancelled_invoices_offer_no_payment(client_for, officer, importer_bam, rm1):
    paid = issue(officer, rm1, amount="10.00", reference="FEE-1", kind="service_fee")
    pay(importer_bam, rm1, "10.00", "k")
    cancelled = issue(officer, rm1, amount="20.00", reference="FEE-2", kind="service_fee")
    invoice_cancel(officer=officer, invoice=cancelled, reason="Charged twice.")
    client = client_for(importer_bam)
    page = client.get(reverse("invoice", args=[rm1.bn15, paid.pk])).content.decode()
    assert "This invoice is paid." in page and "Pay this invoice" not in page
    page = client.get(reverse("invoice", args=[rm1.bn15, cancelled.pk])).content.decode()
    assert "Charged twice." in page and "Pay this invoice" not in page


def test_a_reader_sees_the_invoice_but_no_pay_button(client_for, officer, reader, rm1):
    invoice = issue(officer, rm1)
    page = client_for(reader).get(reverse("invoice", args=[rm1.bn15, invoice.pk]))
    assert page.status_code == 200
    assert "Pay this invoice" not in page.content.decode()


def test_an_invoice_of_another_account_is_404(client_for, officer, importer_bam, rm1, rm2):
    other = issue(officer, rm2)
    client = client_for(importer_bam)
    assert client.get(reverse("invoice", args=[rm1.bn15, other.pk])).status_code == 404
    assert client.get(reverse("api-invoice", args=[rm1.bn15, other.pk])).status_code == 404
    assert client.get(reverse("invoice", args=[rm2.bn15, other.pk])).status_code == 200


def test_a_broker_viewing_an_invoice_is_logged(client_for, officer, broker_bm, rm1):
    invoice = issue(officer, rm1)
    assert (
        client_for(broker_bm).get(reverse("invoice", args=[rm1.bn15, invoice.pk])).status_code
        == 200
    )
    entry = AccessLogEntry.objects.get(user=broker_bm)
    assert (entry.action, entry.what) == ("viewed", "AMP-2026-000123")


def test_the_api_lists_and_shows_invoices(client_for, officer, importer_bam, rm1):
    first = issue(officer, rm1, amount="10.00", reference="FEE-1", kind="service_fee")
    issue(officer, rm1, amount="20.00", reference="FEE-2", kind="service_fee")
    pay(importer_bam, rm1, "10.00", "k")
    client = client_for(importer_bam)
    body = client.get(reverse("api-invoices", args=[rm1.bn15])).json()
    assert [(row["reference"], row["status"], row["unpaid"]) for row in body["results"]] == [
        ("FEE-2", "outstanding", "20.00"),
        ("FEE-1", "paid", "0.00"),
    ]
    one = client.get(reverse("api-invoice", args=[rm1.bn15, first.pk])).json()
    assert (one["amount"], one["kind"], one["bn15"]) == ("10.00", "service_fee", rm1.bn15)
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/program-accounts/{bn15}/invoices/" in schema
    assert "/api/v1/program-accounts/{bn15}/invoices/{id}/" in schema


# --- The officers' admin -------------------------------------------------------------------


def test_an_officer_issues_and_cancels_in_admin(client_for, officer, importer_bam, rm1):
    client = client_for(officer)
    add = reverse("admin:financial_invoice_add")
    assert client.get(add).status_code == 200
    due = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    data = {
        "program_account": "123456782 rm 0001",
        "kind": "amp",
        "reference": "amp-2026-000123",
        "description": "Late accounting",
        "amount": "1,250.00",
        "due_date": due,
    }
    response = client.post(add, data)
    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:financial_invoice_change", args=[invoice.pk])
    assert (invoice.reference, invoice.amount) == ("AMP-2026-000123", D("1250.00"))
    again = client.post(add, data)
    assert "An invoice with the reference AMP-2026-000123 already exists." in again.content.decode()
    listing = client.get(reverse("admin:financial_invoice_changelist")).content.decode()
    assert "AMP-2026-000123" in listing and "Outstanding" in listing
    cancelled = reverse("admin:financial_invoice_changelist") + "?cancelled=yes"
    assert "AMP-2026-000123" not in client.get(cancelled).content.decode()
    view = client.get(response["Location"]).content.decode()
    assert reverse("admin:financial_invoice_cancel", args=[invoice.pk]) in view
    cancel = reverse("admin:financial_invoice_cancel", args=[invoice.pk])
    assert "Reason for the cancellation" in client.post(cancel, {"reason": ""}).content.decode()
    assert client.post(cancel, {"reason": "Paid at the border."}).status_code == 302
    invoice.refresh_from_db()
    assert invoice.is_cancelled and invoice.cancelled_by == officer
    refused = client.post(cancel, {"reason": "Again."}).content.decode()
    assert "was already cancelled on" in refused
    assert Posting.objects.filter(kind="invoice_cancellation").count() == 1
    assert "AMP-2026-000123" in client.get(cancelled).content.decode()
    # Never edited: the change page is read-only.
    assert client.post(response["Location"], {**data, "amount": "1.00"}).status_code == 403


def test_staff_without_the_permissions_cannot_issue_or_cancel(client_for, officer, rm1):
    invoice = issue(officer, rm1)
    clerk = UserFactory(is_staff=True)
    from django.contrib.auth.models import Permission

    clerk.user_permissions.add(Permission.objects.get(codename="view_invoice"))
    client = client_for(clerk)
    assert client.get(reverse("admin:financial_invoice_changelist")).status_code == 200
    assert client.get(reverse("admin:financial_invoice_add")).status_code == 403
    cancel = reverse("admin:financial_invoice_cancel", args=[invoice.pk])
    assert client.post(cancel, {"reason": "No."}).status_code == 403
    assert not Invoice.objects.get().is_cancelled
