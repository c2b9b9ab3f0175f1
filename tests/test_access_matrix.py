"""The access matrix: every route that takes an account or a business, for every persona.

Routes are read from the URL configuration (pages and API alike). Every route with a
scoped parameter must have a rule here, so a new route without one fails
`test_every_scoped_route_has_a_rule`.
"""

from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import AccessRequest, Membership
from delegation.models import ClientGroup, Relationship

SCOPED_PARAMETERS = ("bn15", "bn9", "transaction_number", "period_end")

PERSONAS = (
    "importer_bam",
    "reader",  # Reader on RM0001
    "broker_bm",  # Business Management of Maple, Editor
    "broker_pm",  # Program Management of RM0001 only, Reader
    "broker_outside_group",  # employee of broker_bm's firm, in no group holding Maple
    "revoked_broker",
    "lapsed_broker",
    "outsider",  # another importer's BAM
    "anonymous",
)


def expect(default: int, **by_persona: int) -> dict[str, int]:
    table = {persona: default for persona in PERSONAS}
    table.update(by_persona)
    return table


# Who sees an account: its BAM, the employees whose scope has it, providers in force.
SEES_RM1 = expect(404, importer_bam=200, reader=200, broker_bm=200, broker_pm=200, anonymous=302)
SEES_RM2 = expect(404, importer_bam=200, broker_bm=200, anonymous=302)
# Maple's management pages: its managers; other members 403; everyone else 404.
MAPLE_MANAGERS = expect(404, importer_bam=200, reader=403, anonymous=302)
MAPLE_MANAGERS_POST = expect(404, importer_bam=302, reader=403, anonymous=302)
MAPLE_BAM_ONLY = expect(404, importer_bam=200, reader=403, anonymous=302)
# Changing a delegation: the managers are first asked for their password again (302).
MAPLE_MANAGERS_PASSWORD_AGAIN = expect(404, importer_bam=302, reader=403, anonymous=302)
# The broker firm's pages: its BAM; its other employees 403 (My clients: 200).
BROKER_BAM = expect(404, broker_bm=200, broker_outside_group=403, anonymous=302)
BROKER_BAM_POST = expect(404, broker_bm=302, broker_outside_group=403, anonymous=302)
BROKER_MEMBERS = expect(404, broker_bm=200, broker_outside_group=200, anonymous=302)
# Filing and paying: employees who may edit, and editor-level providers (broker_pm reads).
ACTS_ON_RM1 = expect(404, importer_bam=200, reader=403, broker_bm=200, broker_pm=403, anonymous=302)
ACTS_ON_RM2 = expect(404, importer_bam=200, broker_bm=200, anonymous=302)
# Statements: those who see statements, balance and payments (broker_pm does not).
STATEMENTS_RM1 = {**SEES_RM1, "broker_pm": 403}
# A declaration the importer filed: brokers without "others' transactions" do not see it.
IMPORTER_FILED = expect(404, importer_bam=200, reader=200, anonymous=302)
IMPORTER_FILED_CORRECT = expect(404, importer_bam=200, reader=403, anonymous=302)
# A declaration broker_bm filed: its own, so visible to it; broker_pm sees others' not.
BROKER_FILED = expect(404, importer_bam=200, reader=200, broker_bm=200, anonymous=302)
# Financial security: employees in every role; providers only with the "financial security"
# visibility, which neither broker_bm nor broker_pm has.
SECURITY_RM1 = {**SEES_RM1, "broker_bm": 403, "broker_pm": 403}
SECURITY_RM2 = {**SEES_RM2, "broker_bm": 403}
# Update Requirement: those who see it and may file (BAM, PAM, Editor); readers 403.
REDUCTION_RM1 = {**SECURITY_RM1, "reader": 403}
# Cancelling one of the account's bonds: the importer's managers (BAM, PAM) only.
CANCEL_BOND_RM1 = {
    **SEES_RM1,
    "importer_bam": 302,
    "reader": 403,
    "broker_bm": 403,
    "broker_pm": 403,
}
# Cases: employees in every role; providers only with the "Cases" grant, which neither
# broker_bm nor broker_pm has (403: they see the account). Filing: readers may not.
CASES_RM1 = {**SEES_RM1, "broker_bm": 403, "broker_pm": 403}
CASES_RM2 = {**SEES_RM2, "broker_bm": 403}
FILE_CASE_RM1 = {**CASES_RM1, "reader": 403}
# The importer's bank account (pre-authorized debits): its Business Account Manager only;
# those who see the account otherwise 403.
BANKING_RM1 = {**SEES_RM1, "reader": 403, "broker_bm": 403, "broker_pm": 403}
BANKING_RM2 = {**SEES_RM2, "broker_bm": 403}
# Posting a bond: surety users only, and no persona here works for a surety.
SURETIES_ONLY = expect(403, anonymous=401)


@dataclass
class Case:
    args: dict[str, str]
    methods: dict[str, dict[str, int]]
    data: dict = field(default_factory=dict)


RULES: dict[str, list[Case]] = {
    # Pages of one program account
    "program_account": [
        Case({"bn15": "rm1"}, {"get": SEES_RM1}),
        Case({"bn15": "rm2"}, {"get": SEES_RM2}),
    ],
    # API
    "api-program-account": [
        Case({"bn15": "rm1"}, {"get": {**SEES_RM1, "anonymous": 401}}),
        Case({"bn15": "rm2"}, {"get": {**SEES_RM2, "anonymous": 401}}),
    ],
    # API, money
    "api-transactions": [
        Case({"bn15": "rm1"}, {"get": {**SEES_RM1, "anonymous": 401}}),
        Case({"bn15": "rm2"}, {"get": {**SEES_RM2, "anonymous": 401}}),
    ],
    "api-declarations": [
        Case({"bn15": "rm1"}, {"get": {**SEES_RM1, "anonymous": 401}}),
        # An empty body: 400 for those who may file, the usual answers for the others.
        Case(
            {"bn15": "rm1"},
            {"post": {**ACTS_ON_RM1, "importer_bam": 400, "broker_bm": 400, "anonymous": 401}},
        ),
        Case(
            {"bn15": "rm2"},
            {"post": {**ACTS_ON_RM2, "importer_bam": 400, "broker_bm": 400, "anonymous": 401}},
        ),
    ],
    "api-payments": [
        Case({"bn15": "rm1"}, {"get": {**STATEMENTS_RM1, "anonymous": 401}}),
        Case({"bn15": "rm2"}, {"get": {**SEES_RM2, "anonymous": 401}}),
        Case(
            {"bn15": "rm1"},
            {"post": {**ACTS_ON_RM1, "importer_bam": 400, "broker_bm": 400, "anonymous": 401}},
        ),
        Case(
            {"bn15": "rm2"},
            {"post": {**ACTS_ON_RM2, "importer_bam": 400, "broker_bm": 400, "anonymous": 401}},
        ),
    ],
    "api-payment": [
        Case(
            {"bn15": "rm1", "pk": "settled_payment"},
            {"get": {**STATEMENTS_RM1, "anonymous": 401}},
        ),
        # RM0001's payment under RM0002: not found, even for those who see both.
        Case({"bn15": "rm2", "pk": "settled_payment"}, {"get": expect(404, anonymous=401)}),
    ],
    "api-payment-receipt": [
        Case(
            {"bn15": "rm1", "pk": "settled_payment"},
            {"get": {**STATEMENTS_RM1, "anonymous": 401}},
        ),
        # A payment still pending has no receipt.
        Case(
            {"bn15": "rm1", "pk": "pending_payment"},
            {
                "get": {
                    **STATEMENTS_RM1,
                    "importer_bam": 404,
                    "reader": 404,
                    "broker_bm": 404,
                    "anonymous": 401,
                }
            },
        ),
    ],
    # A request without its Idempotency-Key: 400 for the BAM, who alone may ask.
    "api-refunds": [
        Case(
            {"bn15": "rm1"},
            {
                "get": {**STATEMENTS_RM1, "anonymous": 401},
                "post": {**BANKING_RM1, "importer_bam": 400, "anonymous": 401},
            },
        ),
        Case(
            {"bn15": "rm2"},
            {
                "get": {**SEES_RM2, "anonymous": 401},
                "post": {**BANKING_RM2, "importer_bam": 400, "anonymous": 401},
            },
        ),
    ],
    "api-declaration": [
        Case(
            {"transaction_number": "importer_declaration"},
            {"get": {**IMPORTER_FILED, "anonymous": 401}},
        ),
        Case(
            {"transaction_number": "broker_declaration"},
            {"get": {**BROKER_FILED, "anonymous": 401}},
        ),
    ],
    "api-corrections": [
        Case(
            {"transaction_number": "importer_declaration"},
            {"post": {**IMPORTER_FILED_CORRECT, "importer_bam": 400, "anonymous": 401}},
        )
    ],
    "api-statements": [
        Case({"bn15": "rm1"}, {"get": {**STATEMENTS_RM1, "anonymous": 401}}),
        Case({"bn15": "rm2"}, {"get": {**SEES_RM2, "anonymous": 401}}),
    ],
    **{
        name: [
            Case(
                {"bn15": "rm1", "period_end": "statement"},
                {"get": {**STATEMENTS_RM1, "anonymous": 401}},
            )
        ]
        for name in ("api-statement", "api-statement-pdf", "api-statement-csv")
    },
    "api-invoices": [
        Case({"bn15": "rm1"}, {"get": {**STATEMENTS_RM1, "anonymous": 401}}),
        Case({"bn15": "rm2"}, {"get": {**SEES_RM2, "anonymous": 401}}),
    ],
    "api-invoice": [
        Case({"bn15": "rm1", "pk": "invoice"}, {"get": {**STATEMENTS_RM1, "anonymous": 401}}),
        # RM0001's invoice under RM0002: not found, even for those who see both.
        Case({"bn15": "rm2", "pk": "invoice"}, {"get": expect(404, anonymous=401)}),
    ],
    # Money pages of one account
    "invoices": [
        Case({"bn15": "rm1"}, {"get": STATEMENTS_RM1}),
        Case({"bn15": "rm2"}, {"get": SEES_RM2}),
    ],
    "invoice": [
        Case({"bn15": "rm1", "pk": "invoice"}, {"get": STATEMENTS_RM1}),
        Case({"bn15": "rm2", "pk": "invoice"}, {"get": expect(404, anonymous=302)}),
    ],
    "statements": [
        Case({"bn15": "rm1"}, {"get": STATEMENTS_RM1}),
        Case({"bn15": "rm2"}, {"get": SEES_RM2}),
    ],
    **{
        name: [Case({"bn15": "rm1", "period_end": "statement"}, {"get": STATEMENTS_RM1})]
        for name in ("statement", "statement_pdf", "statement_csv")
    },
    "transactions": [
        Case({"bn15": "rm1"}, {"get": SEES_RM1}),
        Case({"bn15": "rm2"}, {"get": SEES_RM2}),
    ],
    "daily_notice": [Case({"bn15": "rm1", "day": "today"}, {"get": SEES_RM1})],
    "declaration_new": [
        Case({"bn15": "rm1"}, {"get": ACTS_ON_RM1, "post": ACTS_ON_RM1}),
        Case({"bn15": "rm2"}, {"get": ACTS_ON_RM2}),
    ],
    "pay": [
        Case({"bn15": "rm1"}, {"get": ACTS_ON_RM1, "post": ACTS_ON_RM1}),
        Case({"bn15": "rm2"}, {"get": ACTS_ON_RM2}),
    ],
    "payments": [
        Case({"bn15": "rm1"}, {"get": STATEMENTS_RM1}),
        Case({"bn15": "rm2"}, {"get": SEES_RM2}),
    ],
    "payment": [
        Case({"bn15": "rm1", "pk": "settled_payment"}, {"get": STATEMENTS_RM1}),
        # RM0001's payment under RM0002: not found, even for those who see both.
        Case({"bn15": "rm2", "pk": "settled_payment"}, {"get": expect(404, anonymous=302)}),
    ],
    "payment_receipt_pdf": [
        Case({"bn15": "rm1", "pk": "settled_payment"}, {"get": STATEMENTS_RM1}),
        # A payment still pending has no receipt.
        Case(
            {"bn15": "rm1", "pk": "pending_payment"},
            {"get": {**STATEMENTS_RM1, "importer_bam": 404, "reader": 404, "broker_bm": 404}},
        ),
    ],
    # How payments apply: the Business Account Manager (an empty form: 200 with errors).
    "payments_applied": [
        Case({"bn15": "rm1"}, {"get": BANKING_RM1, "post": BANKING_RM1}),
        Case({"bn15": "rm2"}, {"get": BANKING_RM2}),
    ],
    "pad_agreement": [
        Case({"bn15": "rm1"}, {"get": BANKING_RM1}),
        Case({"bn15": "rm2"}, {"get": BANKING_RM2}),
    ],
    # Signing: the BAM is first asked for the password again (302).
    "pad_agreement_new": [
        Case({"bn15": "rm1"}, {"get": {**BANKING_RM1, "importer_bam": 302}, "post": BANKING_RM1}),
        Case({"bn15": "rm2"}, {"get": {**BANKING_RM2, "importer_bam": 302}}),
    ],
    "pad_agreement_cancel": [
        Case(
            {"bn15": "rm1", "pk": "pad_agreement"}, {"post": {**BANKING_RM1, "importer_bam": 302}}
        ),
        # RM0001's agreement under RM0002: not found, even for its BAM.
        Case(
            {"bn15": "rm2", "pk": "pad_agreement"}, {"post": {**BANKING_RM2, "importer_bam": 404}}
        ),
    ],
    # Refunds: followed by those who see statements, balance and payments; requested by the
    # Business Account Manager only (an empty form: 200 with errors).
    "refunds": [
        Case({"bn15": "rm1"}, {"get": STATEMENTS_RM1, "post": BANKING_RM1}),
        Case({"bn15": "rm2"}, {"get": SEES_RM2, "post": BANKING_RM2}),
    ],
    "refund": [
        Case({"bn15": "rm1", "pk": "refund"}, {"get": STATEMENTS_RM1}),
        # RM0001's request under RM0002: not found, even for those who see both.
        Case({"bn15": "rm2", "pk": "refund"}, {"get": expect(404, anonymous=302)}),
    ],
    "declaration": [
        Case({"transaction_number": "importer_declaration"}, {"get": IMPORTER_FILED}),
        Case({"transaction_number": "broker_declaration"}, {"get": BROKER_FILED}),
    ],
    "declaration_correct": [
        Case(
            {"transaction_number": "importer_declaration"},
            {"get": IMPORTER_FILED_CORRECT, "post": IMPORTER_FILED_CORRECT},
        )
    ],
    # Financial security
    "financial_security": [
        Case({"bn15": "rm1"}, {"get": SECURITY_RM1}),
        Case({"bn15": "rm2"}, {"get": SECURITY_RM2}),
    ],
    # Enrolling in RPP or leaving it: the business's BAM asks (an empty form: 200 with errors).
    "rpp_apply": [
        Case({"bn15": "rm1"}, {"get": REDUCTION_RM1, "post": REDUCTION_RM1}),
        Case({"bn15": "rm2"}, {"get": {**SECURITY_RM2}}),
    ],
    # Opening another program account: the business's BAM (an empty form: 200 with errors).
    "account_apply": [Case({"bn9": "maple"}, {"get": MAPLE_BAM_ONLY, "post": MAPLE_BAM_ONLY})],
    "cases": [
        Case({"bn15": "rm1"}, {"get": CASES_RM1}),
        Case({"bn15": "rm2"}, {"get": CASES_RM2}),
    ],
    "rulings": [Case({"bn15": "rm1"}, {"get": CASES_RM1})],
    # An empty form: 200 with errors for those who may file.
    "appeal_new": [
        Case({"bn15": "rm1"}, {"get": FILE_CASE_RM1, "post": FILE_CASE_RM1}),
        Case({"bn15": "rm2"}, {"get": CASES_RM2}),
    ],
    "ruling_new": [Case({"bn15": "rm1"}, {"get": FILE_CASE_RM1, "post": FILE_CASE_RM1})],
    "security_reduction": [
        # An empty form: 200 with errors for those who may ask.
        Case({"bn15": "rm1"}, {"get": REDUCTION_RM1, "post": REDUCTION_RM1}),
        Case({"bn15": "rm2"}, {"get": SECURITY_RM2}),
    ],
    "api-financial-security": [
        Case({"bn15": "rm1"}, {"get": {**SECURITY_RM1, "anonymous": 401}}),
        Case({"bn15": "rm2"}, {"get": {**SECURITY_RM2, "anonymous": 401}}),
    ],
    "api-bonds": [Case({"bn15": "rm1"}, {"post": SURETIES_ONLY})],
    # Inviting a surety to post security, or withdrawing it: the importer's BAM only (an
    # empty form: 200 with errors).
    "account_surety_invitations": [
        Case({"bn15": "rm1"}, {"get": BANKING_RM1, "post": BANKING_RM1}),
        Case({"bn15": "rm2"}, {"get": BANKING_RM2}),
    ],
    "surety_invitation_withdraw": [
        Case({"bn15": "rm1", "pk": "invitation"}, {"post": {**BANKING_RM1, "importer_bam": 302}}),
        # RM0001's invitation under RM0002: not found, even for its BAM.
        Case({"bn15": "rm2", "pk": "invitation"}, {"post": {**BANKING_RM2, "importer_bam": 404}}),
    ],
    "importer_bond_cancel": [
        Case(
            {"bn15": "rm1", "pk": "bond"},
            {"post": CANCEL_BOND_RM1},
            {"cancelled_from": timezone.localdate().isoformat(), "confirm": "yes"},
        )
    ],
    # The importer's access management
    "employees": [Case({"bn9": "maple"}, {"get": MAPLE_MANAGERS})],
    "access_request_decide": [
        Case(
            {"bn9": "maple", "pk": "access_request"},
            {"get": MAPLE_MANAGERS, "post": MAPLE_MANAGERS},  # an empty form: 200 with errors
        )
    ],
    "access_request_reject": [
        Case({"bn9": "maple", "pk": "access_request"}, {"post": MAPLE_MANAGERS_POST})
    ],
    "membership_edit": [
        Case(
            {"bn9": "maple", "pk": "reader_membership"},
            {"get": MAPLE_MANAGERS, "post": MAPLE_MANAGERS},
        )
    ],
    "membership_remove": [
        Case({"bn9": "maple", "pk": "reader_membership"}, {"post": MAPLE_MANAGERS_POST})
    ],
    "third_parties": [Case({"bn9": "maple"}, {"get": MAPLE_MANAGERS})],
    "relationship_terms": [
        Case(
            {"bn9": "maple", "pk": "bm_relationship"},
            {"get": MAPLE_MANAGERS_PASSWORD_AGAIN, "post": MAPLE_MANAGERS_PASSWORD_AGAIN},
        )
    ],
    "relationship_reject": [
        Case({"bn9": "maple", "pk": "pending_relationship"}, {"post": MAPLE_MANAGERS_POST})
    ],
    "relationship_revoke": [
        Case(
            {"bn9": "maple", "pk": "bm_relationship"},
            {"get": MAPLE_MANAGERS, "post": MAPLE_MANAGERS_POST},
        )
    ],
    "access_log": [Case({"bn9": "maple"}, {"get": MAPLE_BAM_ONLY})],
    # The service provider's side
    "my_clients": [Case({"bn9": "broker_firm"}, {"get": BROKER_MEMBERS})],
    "provider_relationships": [
        Case({"bn9": "broker_firm"}, {"get": BROKER_BAM, "post": BROKER_BAM})
    ],
    "client_groups": [Case({"bn9": "broker_firm"}, {"get": BROKER_BAM, "post": BROKER_BAM})],
    "client_group_edit": [
        Case({"bn9": "broker_firm", "pk": "group"}, {"get": BROKER_BAM, "post": BROKER_BAM})
    ],
    "client_group_delete": [Case({"bn9": "broker_firm", "pk": "group"}, {"post": BROKER_BAM_POST})],
}


def scoped_routes() -> dict[str, str]:
    """Every named route whose pattern takes an account, a business, a declaration or a
    statement: {name: pattern}."""
    found = {}

    def walk(patterns, prefix=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern) and entry.name:
                route = prefix + str(entry.pattern)
                if any(
                    f"<{kind}:{name}>" in route or f"<{name}>" in route
                    for name in SCOPED_PARAMETERS
                    for kind in ("str", "int", "slug", "path")
                ):
                    found[entry.name] = route

    walk(get_resolver().url_patterns)
    return found


def test_every_scoped_route_has_a_rule():
    routes = scoped_routes()
    assert "program_account" in routes and "api-program-account" in routes  # the walk works
    missing = sorted(set(routes) - set(RULES))
    assert missing == [], f"routes without an access rule: {missing}"
    stale = sorted(set(RULES) - set(routes))
    assert stale == [], f"rules for routes that no longer exist: {stale}"


MATRIX = [
    pytest.param(name, index, method, persona, id=f"{name}[{index}]-{method}-{persona}")
    for name, cases in RULES.items()
    for index, case in enumerate(cases)
    for method in case.methods
    for persona in PERSONAS
]


@pytest.fixture
def world(
    request,
    maple,
    rm1,
    rm2,
    broker_firm,
    importer_bam,
    reader,
    broker_bm,
    broker_pm,
    broker_outside_group,
    revoked_broker,
    lapsed_broker,
    outsider,
):
    from tests.conftest import provider_firm
    from tests.factories import StatementFactory, UserFactory
    from tests.support import with_check_digit

    pending_firm, _ = provider_firm(
        with_check_digit("11122233"), "Pending Brokers Ltd.", "bam@pending.example"
    )
    pending = Relationship.objects.create(
        provider=pending_firm,
        importer=maple,
        kind="program",
        requested_by=pending_firm.memberships.first().user,
    )
    import datetime
    from decimal import Decimal

    from django.utils import timezone

    from financial.services import declaration_file

    line = {
        "hs_code": "8471300000",
        "description": "Laptops",
        "quantity": Decimal("1"),
        "value_for_duty": Decimal("100.00"),
        "duty_rate": Decimal("0.05"),
    }
    filed = {
        "release_date": timezone.localdate() - datetime.timedelta(days=1),
        "port_of_entry": "0497",
        "vendor": "Acme",
        "lines": [line],
    }
    by_importer = declaration_file(actor=importer_bam, program_account=rm1, **filed)
    by_broker = declaration_file(actor=broker_bm, program_account=rm1, **filed)
    from financial.statements import statements_issue

    statements_issue(period_end=datetime.date(2026, 10, 17))  # before any posting: none
    statement = StatementFactory(program_account=rm1, period_end=datetime.date(2026, 10, 17))
    from accounts.services.officers import officers_group_sync
    from financial.services import invoice_issue

    officer = UserFactory(is_staff=True)
    officer.groups.add(officers_group_sync())
    invoice = invoice_issue(
        officer=officer,
        program_account=rm1,
        kind="amp",
        amount=Decimal("250.00"),
        due_date=timezone.localdate() + datetime.timedelta(days=30),
        reference="AMP-MATRIX-1",
    )
    from payments.services import pad_agreement_sign

    agreement = pad_agreement_sign(
        actor=importer_bam,
        program_account=rm1,
        institution="003",
        transit="12345",
        account_number="987654321",
        holder_name="Maple Imports Inc.",
        accept_terms=True,
    )
    from financial.services import payment_create

    settled, _ = payment_create(
        actor=importer_bam,
        program_account=rm1,
        amount=Decimal("40.00"),
        method="debit_card",
        idempotency_key="matrix-settled",
    )
    waiting, _ = payment_create(
        actor=importer_bam,
        program_account=rm1,
        amount=Decimal("30.00"),
        method="online_banking",
        idempotency_key="matrix-pending",
    )
    from financial.models import RefundRequest

    refund = RefundRequest.objects.create(
        program_account=rm1,
        amount=Decimal("1.00"),
        idempotency_key="matrix",
        requested_by=importer_bam,
    )
    return {
        "settled_payment": str(settled.pk),
        "pending_payment": str(waiting.pk),
        "invoice": str(invoice.pk),
        "refund": str(refund.pk),
        "pad_agreement": str(agreement.pk),
        "statement": statement.period_end.isoformat(),
        "today": timezone.localdate().isoformat(),
        "importer_declaration": by_importer.transaction_number,
        "broker_declaration": by_broker.transaction_number,
        "rm1": rm1.bn15,
        "rm2": rm2.bn15,
        "maple": maple.bn9,
        "broker_firm": broker_firm.bn9,
        "access_request": AccessRequest.objects.create(user=UserFactory(), business=maple).pk,
        "reader_membership": Membership.objects.get(user=reader).pk,
        "bm_relationship": Relationship.objects.get(provider=broker_firm, importer=maple).pk,
        "pending_relationship": pending.pk,
        "group": ClientGroup.objects.create(provider=broker_firm, name="Prairie team").pk,
        "bond": _bond_on(rm1).pk,
        "invitation": _invitation_on(rm1).pk,
    }


def _bond_on(account):
    from security.models import SuretyBond
    from tests.factories import BusinessFactory, UserFactory

    surety = BusinessFactory(legal_name="Matrix Surety", is_surety=True, is_importer=False)
    return SuretyBond.objects.create(
        program_account=account,
        surety=surety,
        bond_number="M-1",
        amount=Decimal("5000.00"),
        effective_date=timezone.localdate(),
        posted_by=UserFactory(),
    )


def _invitation_on(account):
    from delegation.models import SuretyInvitation
    from tests.factories import BusinessFactory

    surety = BusinessFactory(legal_name="Invited Surety", is_surety=True, is_importer=False)
    return SuretyInvitation.objects.create(program_account=account, surety=surety)


@pytest.mark.parametrize(("name", "index", "method", "persona"), MATRIX)
def test_access_matrix(request, client, world, name, index, method, persona):
    case = RULES[name][index]
    url = reverse(name, kwargs={key: world[value] for key, value in case.args.items()})
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    response = getattr(client, method)(url, case.data)
    expected = case.methods[method][persona]
    assert response.status_code == expected, f"{persona} {method.upper()} {url}"
    if persona == "anonymous" and expected == 302:
        assert "/accounts/login/" in response["Location"]
