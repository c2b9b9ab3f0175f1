"""No query per row: every list page and list endpoint is read at two sizes, and the larger
may not take more queries than the smaller. Each case also shows that the rows it added
are on the page, so that an empty list cannot pass."""

import datetime
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessRequest, ApiKey, Role
from delegation.models import AccessLogEntry, ClientGroup, SuretyInvitation
from financial.models import Posting
from financial.services import (
    declaration_correct,
    declaration_file,
    invoice_cancel,
    invoice_issue,
    payment_create,
    posting_create,
)
from notifications.kinds import Kind
from security.models import RppReview, SuretyBond
from tests.conftest import provider_firm, relationship_with
from tests.factories import (
    BusinessFactory,
    NotificationFactory,
    ProgramAccountFactory,
    StatementFactory,
    UserFactory,
    invited,
    member,
    statement_due_next,
)
from tests.support import with_check_digit

pytestmark = pytest.mark.django_db

SMALL, LARGE = 3, 15
numbers = itertools.count(1)


@dataclass
class Case:
    """A list read by `viewer` at `url` (made once the rows exist), growing by `grow(n)`;
    `rows` counts its rows in the response."""

    viewer: object
    url: Callable[[], str]
    grow: Callable[[int], None]
    rows: Callable[[object], int]


def html_rows(marker: str) -> Callable:
    return lambda response: response.content.decode().count(marker)


def api_rows(response) -> int:
    body = response.json()
    return len(body["results"] if isinstance(body, dict) and "results" in body else body)


def read_at_two_sizes(client_for, django_assert_max_num_queries, case: Case) -> None:
    client = client_for(case.viewer)
    case.grow(SMALL)
    with CaptureQueriesContext(connection) as small:
        first = client.get(case.url())
    assert first.status_code == 200, first.content[:500]
    case.grow(LARGE - SMALL)
    with django_assert_max_num_queries(len(small)):
        second = client.get(case.url())
    assert second.status_code == 200
    assert case.rows(second) - case.rows(first) >= LARGE - SMALL


def at(days_ago: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days_ago)


def charge(account, amount="100.00", posted_at=None, **extra) -> Posting:
    value = D(amount)
    return posting_create(
        program_account=account,
        kind="charge",
        amount=value,
        duty=value,
        posted_at=posted_at or timezone.now(),
        **extra,
    )


LINE = {
    "hs_code": "6109100010",
    "description": "T-shirts",
    "quantity": D("10"),
    "value_for_duty": D("100.00"),
    "duty_rate": D("0.18"),
}


def file(actor, account, vendor="Row vendor"):
    return declaration_file(
        actor=actor,
        program_account=account,
        release_date=timezone.localdate(),
        port_of_entry="0497",
        vendor=vendor,
        lines=[LINE],
    )


def another_importer(n: int):
    business = BusinessFactory(
        bn9=with_check_digit(f"{61000000 + n:08d}"), legal_name=f"Client {n} Imports Ltd."
    )
    return business, ProgramAccountFactory(business=business, reference="RM0001")


# --- Pages ---------------------------------------------------------------------------------


def test_home_with_many_accounts(client_for, django_assert_max_num_queries, maple, reader):
    """A reader on every account: the balance and the amount due are shown, paying is not,
    on each row."""
    membership = reader.memberships.get()

    def grow(count):
        for _ in range(count):
            account = ProgramAccountFactory(business=maple, reference=f"RM{next(numbers) + 10:04d}")
            membership.program_accounts.add(account)
            statement_due_next(account, charges=D("100.00"))
            posting_create(
                program_account=account, kind="charge", amount=D("100.00"), duty=D("100.00")
            )

    read_at_two_sizes(
        client_for,
        django_assert_max_num_queries,
        Case(reader, lambda: reverse("home"), grow, html_rows("/program-accounts/")),
    )


def test_my_clients(client_for, django_assert_max_num_queries, broker_firm, broker):
    def grow(count):
        for _ in range(count):
            n = next(numbers)
            importer, _account = another_importer(n)
            relationship_with(importer, broker_firm, level="editor", sees_security=n % 2 == 0)

    read_at_two_sizes(
        client_for,
        django_assert_max_num_queries,
        Case(
            broker,
            lambda: reverse("my_clients", args=[broker_firm.bn9]),
            grow,
            html_rows("Imports Ltd.</td>"),
        ),
    )


def test_transactions_page_and_daily_notice(
    client_for, django_assert_max_num_queries, importer_bam, rm1
):
    def grow(count):
        for _ in range(count):
            charge(rm1, transaction_number=f"{next(numbers):014d}")

    read_at_two_sizes(
        client_for,
        django_assert_max_num_queries,
        Case(
            importer_bam,
            lambda: reverse("transactions", args=[rm1.bn15]),
            grow,
            html_rows("/declarations/"),
        ),
    )
    today = timezone.localdate().isoformat()
    read_at_two_sizes(
        client_for,
        django_assert_max_num_queries,
        Case(
            importer_bam,
            lambda: reverse("daily_notice", args=[rm1.bn15, today]),
            grow,
            html_rows("<td>Charge</td>"),
        ),
    )


def test_payments_pages(client_for, django_assert_max_num_queries, importer_bam, rm1, rm2):
    """The payments list, the history with payment rows linked to their pages, a payment
    that paid many debts and a declaration that many payments paid."""
    declaration = file(importer_bam, rm1)  # $18.90 owed

    def paying(*methods):
        def pay(count):
            for _ in range(count):
                n = next(numbers)
                payment_create(
                    actor=importer_bam,
                    program_account=rm1,
                    amount=D("0.50"),
                    method=methods[n % len(methods)],
                    idempotency_key=f"row-{n}",
                )

        return pay

    pay = paying("debit_card")  # posted at once: a row of the history too
    for name, grow in (("payments", paying("debit_card", "online_banking")), ("transactions", pay)):
        read_at_two_sizes(
            client_for,
            django_assert_max_num_queries,
            Case(
                importer_bam,
                lambda name=name: reverse(name, args=[rm1.bn15]),
                grow,
                html_rows(f"{rm1.bn15}/payments/"),
            ),
        )
    read_at_two_sizes(
        client_for,
        django_assert_max_num_queries,
        Case(
            importer_bam,
            lambda: reverse("declaration", args=[declaration.transaction_number]),
            pay,
            html_rows(">P00"),
        ),
    )

    def debts_then_one_payment(count):
        for _ in range(count):
            charge(rm2, "1.00", transaction_number=f"{next(numbers):014d}")
        payment, _ = payment_create(
            actor=importer_bam,
            program_account=rm2,
            amount=D(count),
            method="debit_card",
            idempotency_key=f"debts-{count}",
        )
        return reverse("payment", args=[rm2.bn15, payment.pk])

    # A payment's debts are fixed once it settles: one that paid few, then one that paid many.
    client = client_for(importer_bam)
    with CaptureQueriesContext(connection) as small:
        first = client.get(debts_then_one_payment(SMALL))
    url = debts_then_one_payment(LARGE)
    with django_assert_max_num_queries(len(small)):
        second = client.get(url)
    assert html_rows("/declarations/")(first) == SMALL
    assert html_rows("/declarations/")(second) == LARGE


def test_statements_page(client_for, django_assert_max_num_queries, importer_bam, rm1):
    def grow(count):
        for _ in range(count):
            end = datetime.date(2020, 1, 17) + datetime.timedelta(days=31 * next(numbers))
            StatementFactory(program_account=rm1, period_end=end.replace(day=17))

    read_at_two_sizes(
        client_for,
        django_assert_max_num_queries,
        Case(
            importer_bam,
            lambda: reverse("statements", args=[rm1.bn15]),
            grow,
            html_rows(".pdf"),
        ),
    )


def invoices_on(account, officer, payer):
    """grow(n): n invoices on the account, every third cancelled, every other paid."""

    def grow(count):
        for _ in range(count):
            n = next(numbers)
            invoice = invoice_issue(
                officer=officer,
                program_account=account,
                kind="service_fee",
                amount=D("10.00"),
                due_date=timezone.localdate() + datetime.timedelta(days=n % 3 * 10 - 10),
                reference=f"FEE-{n}",
                at=at(10),  # some are overdue by now
            )
            if n % 3 == 0:
                invoice_cancel(officer=officer, invoice=invoice, reason="Waived.")
            elif n % 2 == 0:
                payment_create(
                    actor=payer,
                    program_account=account,
                    amount=D("10.00"),
                    method="debit_card",
                    idempotency_key=f"fee-{n}",
                )

    return grow


def test_invoices_page(client_for, django_assert_max_num_queries, officer, importer_bam, rm1):
    read_at_two_sizes(
        client_for,
        django_assert_max_num_queries,
        Case(
            importer_bam,
            lambda: reverse("invoices", args=[rm1.bn15]),
            invoices_on(rm1, officer, importer_bam),
            html_rows("FEE-"),
        ),
    )


def refunds_on(account, officer, bam):
    """grow(n): n refund requests on the account, each decided: issued or refused."""
    from financial.services import (
        refund_request_approve,
        refund_request_create,
        refund_request_issue,
        refund_request_refuse,
    )

    def grow(count):
        for _ in range(count):
            n = next(numbers)
            posting_create(program_account=account, kind="payment", amount=D("-10.00"))
            refund, _created = refund_request_create(
                actor=bam, program_account=account, amount=D("10.00"), idempotency_key=f"r-{n}"
            )
            if n % 2:
                refund_request_refuse(officer=officer, refund=refund, reason="Under audit.")
            else:
                refund = refund_request_approve(officer=officer, refund=refund)
                refund_request_issue(officer=officer, refund=refund)

    return grow


def test_refunds_page(client_for, django_assert_max_num_queries, officer, importer_bam, rm1):
    read_at_two_sizes(
        client_for,
        django_assert_max_num_queries,
        Case(
            importer_bam,
            lambda: reverse("refunds", args=[rm1.bn15]),
            refunds_on(rm1, officer, importer_bam),
            html_rows(">RF"),
        ),
    )


def test_api_refunds(client_for, django_assert_max_num_queries, officer, importer_bam, rm1):
    read_at_two_sizes(
        client_for,
        django_assert_max_num_queries,
        Case(
            importer_bam,
            lambda: reverse("api-refunds", args=[rm1.bn15]),
            refunds_on(rm1, officer, importer_bam),
            api_rows,
        ),
    )


def test_a_declaration_with_many_versions(
    client_for, django_assert_max_num_queries, importer_bam, rm1
):
    declaration = file(importer_bam, rm1)

    def grow(count):
        for _ in range(count):
            value = D("100.00") + next(numbers)
            declaration_correct(
                actor=importer_bam,
                declaration=declaration,
                reason_code="valuation",
                lines=[{**LINE, "value_for_duty": value}],
            )

    rm1.rpp_status = "active"
    rm1.save()
    read_at_two_sizes(
        client_for,
        django_assert_max_num_queries,
        Case(
            importer_bam,
            lambda: reverse("declaration", args=[declaration.transaction_number]),
            grow,
            html_rows("6109100010"),
        ),
    )


def test_employees_page(client_for, django_assert_max_num_queries, maple, importer_bam, rm1):
    def grow(count):
        for _ in range(count):
            person = UserFactory(email=f"employee{next(numbers)}@maple.example")
            member(person, maple, Role.EDITOR, [rm1])
            asker = UserFactory(email=f"asker{next(numbers)}@example.com")
            AccessRequest.objects.create(user=asker, business=maple, comment="Hello")

    read_at_two_sizes(
        client_for,
        django_assert_max_num_queries,
        Case(
            importer_bam,
            lambda: reverse("employees", args=[maple.bn9]),
            grow,
            html_rows("@maple.example"),
        ),
    )


def test_third_parties_and_access_log(
    client_for, django_assert_max_num_queries, maple, importer_bam, rm1
):
    def grow(count):
        for _ in range(count):
            n = next(numbers)
            firm, user = provider_firm(
                with_check_digit(f"{62000000 + n:08d}"), f"Provider {n} Ltd.", f"p{n}@x.example"
            )
            relationship_with(maple, firm, kind="program", accounts=[rm1], level="reader")
            AccessLogEntry.objects.create(
                importer=maple, provider=firm, user=user, program_account=rm1, action="viewed"
            )

    read_at_two_sizes(
        client_for,
        django_assert_max_num_queries,
        Case(
            importer_bam,
            lambda: reverse("third_parties", args=[maple.bn9]),
            grow,
            html_rows(" Ltd.</"),
        ),
    )
    read_at_two_sizes(
        client_for,
        django_assert_max_num_queries,
        Case(
            importer_bam,
            lambda: reverse("access_log", args=[maple.bn9]),
            grow,
            html_rows("@x.example"),
        ),
    )


def test_provider_relationships_and_client_groups(
    client_for, django_assert_max_num_queries, broker_firm, broker
):
    def grow(count):
        for _ in range(count):
            n = next(numbers)
            importer, _account = another_importer(n)
            relationship_with(importer, broker_firm, level="editor")
            group = ClientGroup.objects.create(provider=broker_firm, name=f"Team {n}")
            group.clients.set([importer])
            group.employees.set([broker])

    for url, marker in (
        ("provider_relationships", "Imports Ltd."),
        ("client_groups", "Team "),
    ):
        read_at_two_sizes(
            client_for,
            django_assert_max_num_queries,
            Case(
                broker,
                lambda url=url: reverse(url, args=[broker_firm.bn9]),
                grow,
                html_rows(marker),
            ),
        )


def test_inbox(client_for, django_assert_max_num_queries, importer_bam):
    def grow(count):
        for _ in range(count):
            NotificationFactory(recipient=importer_bam, kind=Kind.STATEMENT_AVAILABLE)

    read_at_two_sizes(
        client_for,
        django_assert_max_num_queries,
        Case(
            importer_bam,
            lambda: reverse("notifications:inbox"),
            grow,
            html_rows("October 25, 2026"),
        ),
    )


@pytest.fixture
def surety_firm(db):
    business = BusinessFactory(bn9="777888991", legal_name="True North Surety Co.", is_surety=True)
    user = UserFactory(email="bonds@surety.example")
    member(user, business, Role.BAM)
    return business, user


def test_a_suretys_bonds(client_for, django_assert_max_num_queries, surety_firm):
    surety, user = surety_firm

    def grow(count):
        for _ in range(count):
            n = next(numbers)
            _importer, account = another_importer(n)
            invited(surety, account)
            SuretyBond.objects.create(
                program_account=account,
                surety=surety,
                bond_number=f"TN-{n}",
                amount=D("5000.00"),
                effective_date=timezone.localdate(),
                posted_by=user,
            )

    read_at_two_sizes(
        client_for,
        django_assert_max_num_queries,
        Case(user, lambda: reverse("surety_bonds"), grow, html_rows("TN-")),
    )


def test_a_suretys_invitations(client_for, django_assert_max_num_queries, surety_firm):
    surety, user = surety_firm

    def grow(count):
        for _ in range(count):
            _importer, account = another_importer(next(numbers))
            invited(surety, account)

    read_at_two_sizes(
        client_for,
        django_assert_max_num_queries,
        Case(user, lambda: reverse("surety_invitations"), grow, html_rows("Imports Ltd.")),
    )


def test_an_accounts_surety_invitations(
    client_for, django_assert_max_num_queries, importer_bam, rm1
):
    def grow(count):
        for _ in range(count):
            n = next(numbers)
            surety = BusinessFactory(
                bn9=with_check_digit(f"{66000000 + n:08d}"),
                legal_name=f"Surety {n} Co.",
                is_surety=True,
            )
            SuretyInvitation.objects.create(
                program_account=rm1, surety=surety, invited_by=importer_bam
            )

    read_at_two_sizes(
        client_for,
        django_assert_max_num_queries,
        Case(
            importer_bam,
            lambda: reverse("account_surety_invitations", args=[rm1.bn15]),
            grow,
            lambda response: len(re.findall(r"Surety \d+ Co\.", response.content.decode())),
        ),
    )


def test_financial_security_page(
    client_for, django_assert_max_num_queries, importer_bam, rm1, surety_firm
):
    surety, user = surety_firm
    rm1.rpp_status = "active"
    rm1.save()

    def grow(count):
        for _ in range(count):
            n = next(numbers)
            SuretyBond.objects.create(
                program_account=rm1,
                surety=surety,
                bond_number=f"TN-{n}",
                amount=D("5000.00"),
                effective_date=timezone.localdate() - datetime.timedelta(days=n),
                posted_by=user,
            )
            RppReview.objects.create(
                program_account=rm1,
                year=1990 + n,
                highest_amount=D("0"),
                required_bond=D("5000"),
                required_cash=D("5000"),
                previous_bond=D("5000"),
                previous_cash=D("5000"),
                increased=False,
                effective_date=datetime.date(1991 + n, 1, 15),
            )

    read_at_two_sizes(
        client_for,
        django_assert_max_num_queries,
        Case(
            importer_bam,
            lambda: reverse("financial_security", args=[rm1.bn15]),
            grow,
            lambda response: len(re.findall(r"TN-\d+", response.content.decode())),
        ),
    )


def test_api_keys_page(client_for, django_assert_max_num_queries, importer_bam):
    def grow(count):
        for _ in range(count):
            n = next(numbers)
            ApiKey.objects.create(
                user=importer_bam, name=f"Key {n}", prefix=f"{n:08x}", hashed_secret="x" * 64
            )

    read_at_two_sizes(
        client_for,
        django_assert_max_num_queries,
        Case(importer_bam, lambda: reverse("api_keys"), grow, html_rows("Key ")),
    )


# --- API -----------------------------------------------------------------------------------


def test_api_program_accounts_for_a_broker(
    client_for, django_assert_max_num_queries, broker_firm, broker
):
    def grow(count):
        for _ in range(count):
            n = next(numbers)
            importer, _account = another_importer(n)
            relationship_with(importer, broker_firm, level="reader", sees_security=n % 2 == 0)

    read_at_two_sizes(
        client_for,
        django_assert_max_num_queries,
        Case(broker, lambda: reverse("api-program-accounts"), grow, api_rows),
    )


@pytest.mark.parametrize("name", ["api-transactions", "api-declarations", "api-statements"])
def test_api_transactions_declarations_and_statements(
    client_for, django_assert_max_num_queries, importer_bam, rm1, name
):
    def grow(count):
        for _ in range(count):
            file(importer_bam, rm1)
            end = datetime.date(2020, 1, 17) + datetime.timedelta(days=31 * next(numbers))
            StatementFactory(program_account=rm1, period_end=end.replace(day=17))

    read_at_two_sizes(
        client_for,
        django_assert_max_num_queries,
        Case(importer_bam, lambda: reverse(name, args=[rm1.bn15]), grow, api_rows),
    )


def test_api_invoices(client_for, django_assert_max_num_queries, officer, broker_bm, rm1):
    """A broker with the statements visibility (its reads are logged too), paying some."""
    read_at_two_sizes(
        client_for,
        django_assert_max_num_queries,
        Case(
            broker_bm,
            lambda: reverse("api-invoices", args=[rm1.bn15]),
            invoices_on(rm1, officer, broker_bm),
            api_rows,
        ),
    )


def test_api_payments(client_for, django_assert_max_num_queries, importer_bam, broker_bm, rm1):
    """A broker with the payments visibility: payments each paying debts, some pending,
    some chosen declarations first."""
    rm1.payments_applied = "chosen"
    rm1.save(update_fields=["payments_applied"])

    def grow(count):
        for _ in range(count):
            n = next(numbers)
            declaration = file(importer_bam, rm1)
            charge(rm1, "1.00")
            payment_create(
                actor=importer_bam,
                program_account=rm1,
                amount=D("30.00"),
                method="debit_card" if n % 3 else "wire",
                idempotency_key=f"api-{n}",
                chosen=[declaration.transaction_number] if n % 2 else [],
            )

    read_at_two_sizes(
        client_for,
        django_assert_max_num_queries,
        Case(broker_bm, lambda: reverse("api-payments", args=[rm1.bn15]), grow, api_rows),
    )


def test_api_declaration_with_many_versions(
    client_for, django_assert_max_num_queries, importer_bam, rm1
):
    rm1.rpp_status = "active"
    rm1.save()
    declaration = file(importer_bam, rm1)

    def grow(count):
        for _ in range(count):
            declaration_correct(
                actor=importer_bam,
                declaration=declaration,
                reason_code="valuation",
                lines=[{**LINE, "value_for_duty": D("100.00") + next(numbers)}],
            )

    read_at_two_sizes(
        client_for,
        django_assert_max_num_queries,
        Case(
            importer_bam,
            lambda: reverse("api-declaration", args=[declaration.transaction_number]),
            grow,
            lambda response: len(response.json()["versions"]),
        ),
    )


@pytest.mark.parametrize("name", ["api-relationships", "api-notifications"])
def test_api_relationships_and_notifications(
    client_for, django_assert_max_num_queries, broker_firm, broker, name
):
    def grow(count):
        for _ in range(count):
            importer, account = another_importer(next(numbers))
            relationship_with(importer, broker_firm, kind="program", accounts=[account])
            NotificationFactory(recipient=broker)

    read_at_two_sizes(
        client_for,
        django_assert_max_num_queries,
        Case(broker, lambda: reverse(name), grow, api_rows),
    )


def test_my_applications(client_for, django_assert_max_num_queries, importer_bam, rm1, officer):
    from enrolment.models import BusinessNumberApplication, RppApplication
    from tests.enrolment.test_applications import NEW_BUSINESS

    decided = {"status": "refused", "reason": "No.", "decided_by": officer, "decided_at": at(0)}

    def grow(count):
        for _ in range(count):
            n = next(numbers)
            BusinessNumberApplication.objects.create(
                applicant=importer_bam,
                **{**NEW_BUSINESS, "legal_name": f"Aurora {n} Inc."},
                **decided,
            )
            RppApplication.objects.create(
                applicant=importer_bam, program_account=rm1, kind="leave", **decided
            )

    read_at_two_sizes(
        client_for,
        django_assert_max_num_queries,
        Case(importer_bam, lambda: reverse("applications"), grow, html_rows("/applications/")),
    )


def test_cases_pages_and_api(client_for, django_assert_max_num_queries, importer_bam, rm1):
    from cases.models import Case as LegalCase
    from cases.models import CaseDocument, CaseEvent, CaseMessage

    first = {}

    def grow(count):
        for _ in range(count):
            n = next(numbers)
            case = LegalCase.objects.create(
                program_account=rm1,
                kind="ruling",
                status="submitted",
                reason=f"Question {n}: heading 61.09 or 62.05?",
                ruling_type="classification",
                goods_description="Knitted cotton T-shirts.",
                filed_by=rm1.business,
                filed_by_user=importer_bam,
            )
            first.setdefault("case", case)
            main = first["case"]
            CaseEvent.objects.create(case=main, to_status="submitted", actor=importer_bam)
            message = CaseMessage.objects.create(
                case=main, author=importer_bam, body=f"Message {n}."
            )
            CaseDocument.objects.create(
                case=main,
                message=message,
                file=f"cases/{n:032x}",
                name=f"doc{n}.pdf",
                content_type="application/pdf",
                size=10,
                uploaded_by=importer_bam,
            )

    for url, rows in (
        (lambda: reverse("cases", args=[rm1.bn15]), html_rows("/cases/")),
        (lambda: reverse("api-cases"), api_rows),
        (lambda: reverse("case", args=[first["case"].pk]), html_rows("Message ")),
    ):
        read_at_two_sizes(
            client_for, django_assert_max_num_queries, Case(importer_bam, url, grow, rows)
        )


def test_pre_authorized_debit_page(client_for, django_assert_max_num_queries, importer_bam, rm1):
    """Its debits taken and its earlier agreements, each one more statement and one more
    replaced agreement."""
    from payments.services import pad_agreement_sign, pad_run

    months = itertools.count()

    def grow(count):
        for _ in range(count):
            pad_agreement_sign(
                actor=importer_bam,
                program_account=rm1,
                institution="003",
                transit="12345",
                account_number=f"98765{next(numbers):04d}",
                holder_name="Maple Imports Inc.",
                accept_terms=True,
            )
            posting_create(program_account=rm1, kind="charge", amount=D("10.00"), gst=D("10.00"))
            month = next(months)
            period_end = datetime.date(2024 + month // 12, month % 12 + 1, 17)
            statement = StatementFactory(
                program_account=rm1, period_end=period_end, charges=D("10.00")
            )
            pad_run(day=statement.due_date)

    read_at_two_sizes(
        client_for,
        django_assert_max_num_queries,
        Case(
            importer_bam,
            lambda: reverse("pad_agreement", args=[rm1.bn15]),
            grow,
            html_rows('<td class="carm-num">$10.00</td>'),
        ),
    )
