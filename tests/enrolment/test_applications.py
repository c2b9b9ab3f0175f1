"""Applications to CBSA: a business number, an import/export program account, enrolling
in RPP and leaving it. Each goes Submitted → Approved or Refused (with the reason), and
each step is a notification."""

import datetime
from decimal import Decimal as D

import pytest
from django.utils import timezone, translation

from accounts.identifiers import is_valid_bn9
from accounts.models import AccessEvent, Business, Membership, ProgramAccount, Role
from enrolment.errors import EnrolmentError
from enrolment.models import BusinessNumberApplication, ProgramAccountApplication, RppApplication
from enrolment.services import (
    application_approve,
    application_refuse,
    bn_application_submit,
    program_account_apply,
    rpp_apply,
)
from notifications.models import Notification
from security.models import SuretyBond
from tests.factories import BusinessFactory, UserFactory, invited, member

pytestmark = pytest.mark.django_db

NEW_BUSINESS = {
    "legal_name": "Aurora Outfitters Inc.",
    "operating_name": "Aurora",
    "street": "12 Rue Principale",
    "city": "Gatineau",
    "province": "QC",
    "postal_code": "J8X 1C6",
    "organization_type": "corporation",
    "applicant_role": "director",
}


@pytest.fixture
def newcomer(db):
    return UserFactory(email="founder@aurora.example")


def kinds_of(user) -> list[str]:
    return list(user.notifications.order_by("pk").values_list("kind", flat=True))


# --- A business number ----------------------------------------------------------------------


def test_a_business_number_is_issued_and_the_applicant_becomes_its_bam(newcomer, officer):
    application = bn_application_submit(applicant=newcomer, **NEW_BUSINESS)
    assert application.status == "submitted"
    business = application_approve(officer=officer, application=application)
    # From the portal's range (70000000–70999999 and a check digit), and valid.
    assert business.bn9.startswith("70") and is_valid_bn9(business.bn9)
    assert (business.legal_name, business.operating_name, business.is_importer) == (
        "Aurora Outfitters Inc.",
        "Aurora",
        True,
    )
    assert Membership.objects.get(user=newcomer, business=business).role == Role.BAM
    assert AccessEvent.objects.get(business=business).action == "registered"
    application.refresh_from_db()
    assert (application.status, application.business, application.decided_by) == (
        "approved",
        business,
        officer,
    )
    assert kinds_of(newcomer) == ["application_received", "business_number_issued"]
    issued = newcomer.notifications.get(kind="business_number_issued")
    assert business.bn9 in issued.body and issued.link == "/en/"


def test_issued_numbers_are_distinct_and_skip_those_on_record(officer):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value, is_called FROM enrolment_business_number")
        last, called = cursor.fetchone()
    upcoming = last + 1 if called else last
    # CBSA's records already hold the next number: it is skipped.
    from accounts.identifiers import bn9_with_check_digit

    BusinessFactory(bn9=bn9_with_check_digit(f"{upcoming:08d}"), legal_name="On record Ltd.")
    numbers = set()
    for n in range(3):
        applicant = UserFactory(email=f"applicant{n}@example.com")
        application = bn_application_submit(
            applicant=applicant, **{**NEW_BUSINESS, "legal_name": f"Business {n} Inc."}
        )
        numbers.add(application_approve(officer=officer, application=application).bn9)
    assert len(numbers) == 3
    assert bn9_with_check_digit(f"{upcoming:08d}") not in numbers
    assert all(is_valid_bn9(bn9) and 70000000 <= int(bn9[:8]) <= 70999999 for bn9 in numbers)


def test_a_refusal_says_why_in_the_applicants_language(newcomer, officer):
    application = bn_application_submit(applicant=newcomer, **NEW_BUSINESS)
    with pytest.raises(EnrolmentError) as refused:
        application_refuse(officer=officer, application=application, reason="  ")
    assert refused.value.code == "reason_required"
    application_refuse(
        officer=officer, application=application, reason="The address is not a business one."
    )
    application.refresh_from_db()
    assert (application.status, application.reason) == (
        "refused",
        "The address is not a business one.",
    )
    notice = newcomer.notifications.get(kind="application_refused")
    assert "The address is not a business one." in notice.body
    with translation.override("fr"):
        assert "a été refusée" in notice.body and "un numéro d'entreprise" in notice.body
    assert not Business.objects.filter(legal_name="Aurora Outfitters Inc.").exists()
    with pytest.raises(EnrolmentError) as again:
        application_approve(officer=officer, application=application)
    assert again.value.code == "already_decided"


def test_one_open_application_at_a_time(newcomer):
    bn_application_submit(applicant=newcomer, **NEW_BUSINESS)
    with pytest.raises(EnrolmentError) as refused:
        bn_application_submit(applicant=newcomer, **NEW_BUSINESS)
    assert refused.value.code == "application_open"
    with translation.override("fr"):
        assert "déjà" in refused.value.message
    assert BusinessNumberApplication.objects.count() == 1


# --- An import/export program account -------------------------------------------------------


@pytest.fixture
def aurora(newcomer, officer):
    application = bn_application_submit(applicant=newcomer, **NEW_BUSINESS)
    return application_approve(officer=officer, application=application)


def open_account(actor, business, **changes):
    terms = {
        "start_date": datetime.date(2026, 1, 5),
        "activity": "import",
        "description": "Outdoor apparel from Asia.",
        **changes,
    }
    return program_account_apply(actor=actor, business=business, **terms)


def test_the_first_account_opens_at_once_and_the_next_by_an_officer(aurora, newcomer, officer):
    first = open_account(newcomer, aurora)
    assert first.status == "approved" and first.decided_by is None
    assert first.program_account.bn15 == f"{aurora.bn9}RM0001"
    assert first.program_account.name == "Aurora"
    assert "program_account_opened" in kinds_of(newcomer)
    second = open_account(newcomer, aurora, operating_name="Aurora — Wholesale")
    assert second.status == "submitted" and second.program_account is None
    account = application_approve(officer=officer, application=second)
    assert (account.bn15, account.name) == (f"{aurora.bn9}RM0002", "Aurora — Wholesale")
    assert aurora.program_accounts.count() == 2


def test_only_a_bam_opens_an_account(aurora, newcomer):
    clerk = UserFactory()
    member(clerk, aurora, Role.EDITOR)
    with pytest.raises(EnrolmentError) as refused:
        open_account(clerk, aurora)
    assert refused.value.code == "not_allowed"
    with pytest.raises(EnrolmentError) as refused:
        open_account(newcomer, aurora, start_date=timezone.localdate() + datetime.timedelta(400))
    assert refused.value.code == "start_date"
    assert not ProgramAccount.objects.filter(business=aurora).exists()
    assert not ProgramAccountApplication.objects.exists()


def test_the_next_reference_follows_the_highest(maple, importer_bam, officer):
    """Maple has RM0001 and RM0002: a division's account is RM0003."""
    application = open_account(importer_bam, maple)
    assert application.status == "submitted"
    assert application_approve(officer=officer, application=application).reference == "RM0003"


# --- Release Prior to Payment -----------------------------------------------------------------


@pytest.fixture
def surety(rm2):
    """True North Surety's BAM, whom Maple invited to post security for RM0002."""
    business = BusinessFactory(bn9="777888991", legal_name="True North Surety Co.", is_surety=True)
    invited(business, rm2)
    user = UserFactory(email="bonds@surety.example")
    member(user, business, Role.BAM)
    return user


def test_enrolment_waits_for_the_minimum_security(rm2, importer_bam, officer, surety):
    """Maple's RM0002 has no RPP: it asks, the officer cannot approve before a bond of at
    least the new importer's $5,000 is posted, then approves; the account has RPP."""
    from security.services import bond_post

    application = rpp_apply(
        actor=importer_bam, program_account=rm2, kind="enrol", expected_monthly_ar=D("30000")
    )
    with pytest.raises(EnrolmentError) as refused:
        application_approve(officer=officer, application=application)
    assert refused.value.code == "not_covered"
    assert "$5,000.00" in refused.value.message and "$0.00" in refused.value.message
    with translation.override("fr"):
        assert "5\u00a0000,00\u00a0$" in refused.value.message
    rm2.refresh_from_db()
    assert rm2.rpp_status == "not_enrolled"
    bond_post(
        actor=surety,
        program_account=rm2,
        bond_number="TN-77",
        amount=D("5000.00"),
        effective_date=timezone.localdate(),
    )
    application_approve(officer=officer, application=application)
    rm2.refresh_from_db()
    assert rm2.rpp_status == "active"
    assert Notification.objects.filter(recipient=importer_bam, kind="rpp_enrolled").count() == 1
    assert SuretyBond.objects.get().program_account == rm2


def test_leaving_rpp(rm1, importer_bam, officer):
    rm1.rpp_status = "active"
    rm1.save()
    with pytest.raises(EnrolmentError) as refused:
        rpp_apply(actor=importer_bam, program_account=rm1, kind="enrol", expected_monthly_ar=D(1))
    assert refused.value.code == "already_enrolled"
    application = rpp_apply(actor=importer_bam, program_account=rm1, kind="leave")
    with pytest.raises(EnrolmentError) as twice:
        rpp_apply(actor=importer_bam, program_account=rm1, kind="leave")
    assert twice.value.code == "application_open"
    application_approve(officer=officer, application=application)
    rm1.refresh_from_db()
    assert rm1.rpp_status == "not_enrolled"
    assert Notification.objects.filter(recipient=importer_bam, kind="rpp_left").exists()


def test_only_the_bam_asks_and_amounts_are_checked(rm2, importer_bam, editor, maple):
    with pytest.raises(EnrolmentError) as refused:
        rpp_apply(actor=editor, program_account=rm2, kind="enrol", expected_monthly_ar=D(100))
    assert refused.value.code == "not_allowed"
    for amount in (None, D("0"), D("-5"), D("1.001")):
        with pytest.raises(EnrolmentError) as bad:
            rpp_apply(
                actor=importer_bam, program_account=rm2, kind="enrol", expected_monthly_ar=amount
            )
        assert bad.value.code == "amount"
    assert not RppApplication.objects.exists()
