"""The officers' list pages: every changelist of the portal's models, read at two sizes,
takes no more queries with more rows. Each "world" adds one row (or a few) to every
model; a model admin the world does not fill fails the test, so a new one must join it."""

import datetime
import itertools
from decimal import Decimal as D

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AccessEvent, AccessRequest, ApiKey, Role
from cases.models import Case, CaseDeclaration
from delegation.models import AccessLogEntry, ClientGroup, SuretyInvitation
from enrolment.models import BusinessNumberApplication, ProgramAccountApplication, RppApplication
from financial.models import InterestAccrual, PrescribedRate, RefundRequest
from financial.services import declaration_correct, invoice_cancel, invoice_issue, payment_create
from notifications.kinds import Kind
from payments.models import PadReturnFile, PadRun
from payments.services import pad_agreement_sign
from security.models import (
    BondRenewal,
    CashDeposit,
    ReductionRequest,
    ReviewRun,
    RppReview,
    SuretyBond,
)
from tests.conftest import relationship_with
from tests.factories import (
    BusinessFactory,
    NotificationFactory,
    ProgramAccountFactory,
    StatementFactory,
    UserFactory,
    member,
)
from tests.support import with_check_digit
from tests.test_query_counts import LINE, file

pytestmark = pytest.mark.django_db

PORTAL_APPS = {
    "accounts",
    "delegation",
    "financial",
    "security",
    "notifications",
    "enrolment",
    "cases",
    "payments",
}
SMALL, LARGE = 2, 6
worlds = itertools.count(1)


def world(officer) -> None:
    """One importer with a bit of everything an officer lists."""
    n = next(worlds)
    importer = BusinessFactory(
        bn9=with_check_digit(f"{63000000 + n:08d}"), legal_name=f"World {n} Inc."
    )
    account = ProgramAccountFactory(business=importer, reference="RM0001", rpp_status="active")
    bam = UserFactory(email=f"bam{n}@world.example")
    member(bam, importer, Role.BAM)
    AccessRequest.objects.create(user=UserFactory(), business=importer, comment="Hi")
    AccessEvent.objects.create(business=importer, actor=bam, subject=bam, action="registered")
    ApiKey.objects.create(user=bam, name="Key", prefix=f"{n:08x}", hashed_secret="x" * 64)
    provider = BusinessFactory(
        bn9=with_check_digit(f"{64000000 + n:08d}"),
        legal_name=f"Broker {n} Ltd.",
        is_service_provider=True,
    )
    agent = UserFactory(email=f"agent{n}@broker.example")
    member(agent, provider, Role.BAM)
    relationship_with(importer, provider, level="editor", sees_statements=True)
    group = ClientGroup.objects.create(provider=provider, name=f"Group {n}")
    group.clients.set([importer])
    AccessLogEntry.objects.create(
        importer=importer, provider=provider, user=agent, program_account=account, action="viewed"
    )
    declaration = file(bam, account)
    account.rpp_status = "not_enrolled"  # corrections after the deadline: an adjustment
    account.save()
    declaration_correct(
        actor=bam,
        declaration=declaration,
        reason_code="valuation",
        lines=[{**LINE, "value_for_duty": D("90.00")}],
    )
    payment_create(
        actor=bam,
        program_account=account,
        amount=D("5.00"),
        method="debit_card",
        idempotency_key=f"w-{n}",
    )
    for number in (1, 2):  # an invoice, and one cancelled
        invoice = invoice_issue(
            officer=officer,
            program_account=account,
            kind="amp",
            amount=D("100.00"),
            due_date=datetime.date(2099, 1, 1),
            reference=f"AMP-{n}-{number}",
        )
    invoice_cancel(officer=officer, invoice=invoice, reason="Issued twice.")
    RefundRequest.objects.create(
        program_account=account, amount=D("1.00"), idempotency_key=f"w-{n}", requested_by=bam
    )
    StatementFactory(program_account=account)
    InterestAccrual.objects.create(
        program_account=account,
        day=datetime.date(2026, 1, 1),
        overdue=D("10.00"),
        annual_rate=D("9.00"),
        amount=D("0.002466"),
    )
    PrescribedRate.objects.create(quarter_start=datetime.date(1990 + n, 1, 1), rate=D("3.00"))
    surety = BusinessFactory(
        bn9=with_check_digit(f"{65000000 + n:08d}"), legal_name=f"Surety {n}", is_surety=True
    )
    bond = SuretyBond.objects.create(
        program_account=account,
        surety=surety,
        bond_number=f"B-{n}",
        amount=D("5000.00"),
        effective_date=datetime.date(2025, 1, 1),
        posted_by=officer,
    )
    BondRenewal.objects.create(bond=bond, renewed_on=datetime.date(2026, 1, 1))
    SuretyInvitation.objects.create(
        program_account=account, surety=surety, invited_by=bam, used_at=bond.created_at
    )
    CashDeposit.objects.create(
        program_account=account, amount=D("100.00"), received_on=datetime.date(2026, 1, 1)
    )
    ReductionRequest.objects.create(
        program_account=account,
        amount=D("4000.00"),
        justification="Smaller volumes this year than last.",
        requested_by=bam,
    )
    run = ReviewRun.objects.create(year=2026, chunks=1, started_by=officer)
    RppReview.objects.create(
        program_account=account,
        year=2026,
        highest_amount=D("0"),
        required_bond=D("5000"),
        required_cash=D("5000"),
        previous_bond=D("5000"),
        previous_cash=D("5000"),
        increased=False,
        effective_date=datetime.date(2027, 1, 15),
        run=run,
    )
    NotificationFactory(recipient=bam, kind=Kind.PAYMENT_RECEIVED)
    BusinessNumberApplication.objects.create(
        applicant=bam,
        legal_name=f"New venture {n} Inc.",
        street="1 Main Street",
        city="Ottawa",
        province="ON",
        postal_code="K1A 0B1",
        organization_type="corporation",
        applicant_role="owner",
    )
    ProgramAccountApplication.objects.create(
        applicant=bam,
        business=importer,
        start_date=datetime.date(2026, 1, 5),
        activity="import",
        description="Apparel.",
    )
    RppApplication.objects.create(applicant=bam, program_account=account, kind="leave")
    case = Case.objects.create(
        program_account=account,
        kind="appeal",
        status="submitted",
        reason="The goods are knitted, not woven.",
        filed_by=importer,
        filed_by_user=bam,
    )
    CaseDeclaration.objects.create(
        case=case, declaration=declaration, decision_date=datetime.date(2026, 1, 5), disputed=D(1)
    )
    pad_agreement_sign(
        actor=bam,
        program_account=account,
        institution="003",
        transit="12345",
        account_number="987654321",
        holder_name=importer.legal_name,
        accept_terms=True,
    )
    PadRun.objects.create(
        day=datetime.date(2020, 1, 1) + datetime.timedelta(days=n),
        file_creation_number=n,
        debit_count=0,
        total=D("0.00"),
    )
    PadReturnFile.objects.create(sha256=f"{n:064x}", name=f"returns-{n}.txt", returned_count=0)


def changelists() -> list[str]:
    return sorted(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        for model in admin.site._registry
        if model._meta.app_label in PORTAL_APPS
    )


def test_every_officers_list_reads_in_the_same_queries_at_two_sizes(
    client_for, django_assert_max_num_queries, officer
):
    client = client_for(officer)
    for _ in range(SMALL):
        world(officer)
    small = {}
    for name in changelists():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(name))
        assert response.status_code == 200, name
        small[name] = (len(queries), response.context["cl"].result_count)
    for _ in range(LARGE - SMALL):
        world(officer)
    for name in changelists():
        count, rows = small[name]
        with django_assert_max_num_queries(count):
            response = client.get(reverse(name))
        assert response.context["cl"].result_count > rows, name
