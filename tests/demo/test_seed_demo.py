from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts.models import User
from demo.personas import DEMO_PASSWORD, DEMO_USERS
from notifications.models import Notification

pytestmark = pytest.mark.django_db

EMAILS = {
    "maple.bam@example.com",
    "maple.reader@example.com",
    "prairie.bam@example.com",
    "broker.bam@example.com",
    "broker.agent@example.com",
    "surety@example.com",
    "officer@example.com",
}


def test_seed_demo_creates_the_contract_personas_and_is_idempotent(capsys):
    call_command("seed_demo", "--months", "0")
    call_command("seed_demo", "--months", "0")
    assert set(User.objects.values_list("email", flat=True)) == EMAILS
    assert {email for email, *_ in DEMO_USERS} == EMAILS
    assert Notification.objects.filter(kind="welcome").count() == len(EMAILS)
    assert "seed_demo: 7 demo users and 4 businesses ready" in capsys.readouterr().out


def test_demo_users_sign_in_with_the_published_password(client):
    call_command("seed_demo", "--months", "0")
    response = client.post(
        "/en/accounts/login/", {"login": "maple.bam@example.com", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/fr/"  # Marie works in French


def test_the_demo_officer_reaches_the_admin_as_an_officer(client):
    call_command("seed_demo", "--months", "0")
    officer = User.objects.get(email="officer@example.com")
    assert officer.is_staff and not officer.is_superuser
    assert officer.groups.filter(name="Officers").exists()
    client.post(
        "/en/accounts/login/",
        {"login": officer.email, "password": DEMO_PASSWORD, "next": "/admin/"},
    )
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "CARM Portal — CBSA officers" in page.content.decode()
    assert client.get("/admin/accounts/user/").status_code == 200


def test_officers_may_look_at_users_but_not_change_them():
    call_command("seed_demo", "--months", "0")
    group = Group.objects.get(name="Officers")
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert "view_user" in codenames
    assert "change_user" not in codenames


def test_demo_businesses_and_roles_follow_the_contract():
    from accounts.models import Business, ProgramAccount
    from delegation.permissions import program_accounts_visible_to

    call_command("seed_demo", "--months", "0")
    call_command("seed_demo", "--months", "0")
    assert dict(Business.objects.values_list("bn9", "legal_name")) == {
        "123456782": "Maple Leaf Imports Inc.",
        "876543216": "Prairie Goods Ltd.",
        "555123454": "Northern Customs Brokers Ltd.",
        "777888991": "True North Surety Co.",
    }
    assert set(ProgramAccount.objects.values_list("bn15", flat=True)) == {
        "123456782RM0001",
        "123456782RM0002",
        "876543216RM0001",
        "555123454RM0001",
    }
    assert ProgramAccount.objects.get(bn15="123456782RM0001").rpp_status == "active"
    assert ProgramAccount.objects.get(bn15="123456782RM0002").rpp_status == "not_enrolled"

    def visible(email):
        user = User.objects.get(email=email)
        return set(program_accounts_visible_to(user).values_list("bn15", flat=True))

    assert visible("maple.bam@example.com") == {"123456782RM0001", "123456782RM0002"}
    assert visible("maple.reader@example.com") == {"123456782RM0001"}
    assert visible("prairie.bam@example.com") == {"876543216RM0001"}
    maple = {"123456782RM0001", "123456782RM0002"}
    assert visible("broker.bam@example.com") == {"555123454RM0001", *maple}
    assert visible("broker.agent@example.com") == {"555123454RM0001", *maple}
    assert visible("surety@example.com") == set()
    assert Business.objects.get(bn9="777888991").is_surety
    assert Business.objects.get(bn9="555123454").is_service_provider


def test_the_broker_manages_maple_and_not_prairie():
    from delegation.models import Relationship
    from delegation.permissions import Action, can

    call_command("seed_demo", "--months", "0")
    call_command("seed_demo", "--months", "0")
    relationship = Relationship.objects.get()
    assert (relationship.provider.bn9, relationship.importer.bn9) == ("555123454", "123456782")
    assert (relationship.kind, relationship.status, relationship.level) == (
        "business",
        "active",
        "editor",
    )
    assert relationship.sees_statements
    assert not relationship.sees_others_transactions and not relationship.sees_security
    agent = User.objects.get(email="broker.agent@example.com")
    from accounts.models import ProgramAccount

    rm1 = ProgramAccount.objects.get(bn15="123456782RM0001")
    prairie = ProgramAccount.objects.get(bn15="876543216RM0001")
    assert can(agent, Action.PAY, rm1) and can(agent, Action.VIEW_STATEMENTS, rm1)
    assert not can(agent, Action.VIEW_SECURITY, rm1)
    assert not can(agent, Action.VIEW_ACCOUNT, prairie)


def test_thirteen_months_of_history_once_and_the_ledger_balances():
    from django.utils import timezone

    from accounts.models import ProgramAccount
    from financial.models import Declaration, DeclarationVersion, InterestAccrual, Statement
    from financial.selectors import ledger_mismatches

    call_command("seed_demo")
    call_command("seed_demo")
    maple1, maple2, prairie = (
        ProgramAccount.objects.get(bn15=bn15)
        for bn15 in ("123456782RM0001", "123456782RM0002", "876543216RM0001")
    )
    declarations = Declaration.objects.filter(program_account=maple1)
    assert declarations.count() > 20
    assert {d.filed_by.bn9 for d in declarations} == {"123456782", "555123454"}
    assert declarations.filter(late=True).exists()
    # A statement every month for thirteen months, one per period.
    for account in (maple1, prairie):
        assert account.statements.count() in (13, 14)
    versions = DeclarationVersion.objects
    assert versions.filter(kind="correction", declaration__program_account=maple1).exists()
    assert versions.filter(kind="adjustment", status="approved").exists()
    assert versions.filter(kind="adjustment", status="pending").exists()
    # One month paid late: interest accrued and posted on the next statement.
    assert InterestAccrual.objects.filter(program_account=maple1).exists()
    assert Statement.objects.filter(program_account=maple1, interest__gt=0).exists()
    # Without RPP, every declaration was paid before release.
    assert not Declaration.objects.filter(program_account=maple2, status="payment_required")
    assert ledger_mismatches() == []
    # CBSA's invoices: a service fee paid with its statement, a recent AMP still to pay.
    from financial.selectors import with_invoice_status

    invoices = with_invoice_status(maple1.invoices.order_by("issued_at"), timezone.localdate())
    assert [(invoice.kind, invoice.status) for invoice in invoices] == [
        ("service_fee", "paid"),
        ("amp", "outstanding"),
    ]
    # Maple RM0001 holds a bond, and this year's review raises its requirement.
    from notifications.models import Notification
    from security.review import annual_review
    from security.rules import review_year_due

    assert maple1.bonds.get().amount == D("5000.00")
    # True North Surety posted its bonds after the importers invited it, once.
    from delegation.models import SuretyInvitation

    invitations = SuretyInvitation.objects.order_by("program_account__bn15")
    assert [(i.program_account.bn15, i.surety.bn9, i.invited_by.email) for i in invitations] == [
        ("123456782RM0001", "777888991", "maple.bam@example.com"),
        ("876543216RM0001", "777888991", "prairie.bam@example.com"),
    ]
    assert all(i.created_at < i.used_at and i.withdrawn_at is None for i in invitations)
    annual_review(year=review_year_due(timezone.localdate()))
    review = maple1.rpp_reviews.get()
    assert review.increased and review.required_bond > D("5000")
    notice = Notification.objects.get(
        kind="rpp_annual_review", recipient__email="maple.bam@example.com"
    )
    assert maple1.bn15 in notice.context["account"]
