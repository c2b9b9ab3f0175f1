"""Officers record bonds and cash deposits, decide reduction requests and start the annual
review from admin; reviews, renewals and runs are read-only there."""

import datetime
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from accounts.models import ProgramAccount
from financial.calendar import EASTERN
from financial.models import AccountBalance
from financial.services import posting_create
from notifications.models import Notification
from security.models import CashDeposit, ReductionRequest, ReviewRun, RppReview, SuretyBond
from security.review import annual_review
from security.services import reduction_request
from tests.factories import BusinessFactory, UserFactory

pytestmark = pytest.mark.django_db

REVIEWED = timezone.localdate().year - 2


@pytest.fixture
def suspended(rm1):
    """RPP suspended: nothing posted against the $5,000 minimum."""
    rm1.rpp_status = ProgramAccount.RppStatus.SUSPENDED
    rm1.save()
    return rm1


@pytest.fixture
def surety(db):
    return BusinessFactory(legal_name="True North Surety Co.", is_surety=True, is_importer=False)


def test_an_officer_records_a_cash_deposit_that_reinstates_rpp(client_for, officer, suspended):
    response = client_for(officer).post(
        reverse("admin:security_cashdeposit_add"),
        {
            "program_account": suspended.pk,
            "amount": "5000.00",
            "received_on": timezone.localdate().isoformat(),
            "reference": "CHQ-118",
        },
    )
    assert response.status_code == 302
    deposit = CashDeposit.objects.get()
    assert deposit.recorded_by == officer and deposit.reference == "CHQ-118"
    suspended.refresh_from_db()
    assert suspended.rpp_status == ProgramAccount.RppStatus.ACTIVE


def test_a_cash_deposit_of_zero_is_refused(client_for, officer, suspended):
    response = client_for(officer).post(
        reverse("admin:security_cashdeposit_add"),
        {
            "program_account": suspended.pk,
            "amount": "0",
            "received_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 200  # the form again, with its error
    assert not CashDeposit.objects.exists()


def test_an_officer_records_a_bond(client_for, officer, suspended, surety):
    response = client_for(officer).post(
        reverse("admin:security_suretybond_add"),
        {
            "program_account": suspended.pk,
            "surety": surety.pk,
            "bond_number": "PAPER-7",
            "amount": "5000.00",
            "effective_date": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    bond = SuretyBond.objects.get()
    assert bond.posted_by == officer and bond.surety == surety
    suspended.refresh_from_db()
    assert suspended.rpp_status == ProgramAccount.RppStatus.ACTIVE


def test_recorded_security_cannot_be_edited(client_for, officer, suspended, surety):
    client = client_for(officer)
    client.post(
        reverse("admin:security_cashdeposit_add"),
        {
            "program_account": suspended.pk,
            "amount": "5000.00",
            "received_on": timezone.localdate().isoformat(),
        },
    )
    deposit = CashDeposit.objects.get()
    url = reverse("admin:security_cashdeposit_change", args=[deposit.pk])
    assert client.get(url).status_code == 200  # looked at
    client.post(
        url, {"program_account": suspended.pk, "amount": "1.00", "received_on": "2026-01-01"}
    )
    assert CashDeposit.objects.get().amount == D("5000.00")


@pytest.fixture
def pending(importer_bam, rm1):
    rm1.rpp_status = ProgramAccount.RppStatus.ACTIVE
    rm1.save()
    return reduction_request(
        actor=importer_bam,
        program_account=rm1,
        amount=D("3000.00"),
        justification="Our imports will be much smaller this year.",
    )


def test_an_officer_approves_reduction_requests_from_the_list(
    client_for, officer, importer_bam, pending
):
    response = client_for(officer).post(
        reverse("admin:security_reductionrequest_changelist"),
        {"action": "approve_requests", "_selected_action": [pending.pk]},
        follow=True,
    )
    assert "1 request decided." in response.content.decode()
    decided = ReductionRequest.objects.get()
    assert decided.status == "approved" and decided.decided_by == officer
    assert (
        Notification.objects.filter(recipient=importer_bam, kind="reduction_decision").count() == 1
    )


def test_a_decided_request_is_not_decided_again(client_for, officer, pending):
    client = client_for(officer)
    url = reverse("admin:security_reductionrequest_changelist")
    client.post(url, {"action": "approve_requests", "_selected_action": [pending.pk]})
    again = client.post(
        url, {"action": "approve_requests", "_selected_action": [pending.pk]}, follow=True
    )
    assert "0 requests decided." in again.content.decode()
    assert ReductionRequest.objects.get().status == "approved"


def test_reviews_are_read_only(client_for, officer, rm1):
    rm1.rpp_status = ProgramAccount.RppStatus.ACTIVE
    rm1.save()
    annual_review(year=REVIEWED)
    review = RppReview.objects.get()
    client = client_for(officer)
    assert client.get(reverse("admin:security_rppreview_changelist")).status_code == 200
    response = client.post(
        reverse("admin:security_rppreview_change", args=[review.pk]), {"required_bond": "1"}
    )
    assert response.status_code == 403
    assert client.get(reverse("admin:security_bondrenewal_changelist")).status_code == 200


def test_an_officer_starts_the_annual_review_and_follows_it(client_for, officer, rm1):
    rm1.rpp_status = ProgramAccount.RppStatus.ACTIVE
    rm1.save()
    posting_create(
        program_account=rm1,
        kind="charge",
        amount=D("30000.00"),
        gst=D("30000.00"),
        posted_at=datetime.datetime(REVIEWED - 1, 11, 15, 12, tzinfo=EASTERN),
    )
    client = client_for(officer)
    runs = client.get(reverse("admin:security_reviewrun_changelist")).content.decode()
    assert "Start the annual review" in runs
    start = reverse("admin:security_reviewrun_start")
    assert client.get(start).status_code == 200
    response = client.post(start, {"year": str(REVIEWED)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:security_reviewrun_changelist")
    page = response.content.decode()
    assert f"The {REVIEWED} annual review has started" in page
    run = ReviewRun.objects.get()  # tasks run eagerly in tests: it is already done
    assert run.year == REVIEWED and run.started_by == officer
    assert (run.chunks, run.chunks_done, run.accounts, run.increased) == (1, 1, 1, 1)
    assert "1 / 1" in page
    assert RppReview.objects.get().required_bond == D("15000.00")


def test_a_review_of_a_year_to_come_is_refused(client_for, officer):
    response = client_for(officer).post(
        reverse("admin:security_reviewrun_start"), {"year": str(timezone.localdate().year + 1)}
    )
    assert response.status_code == 200
    assert "A review cannot look at a year still to come." in response.content.decode()
    assert not ReviewRun.objects.exists()


def test_only_officers_start_a_review(client_for, importer_bam):
    start = reverse("admin:security_reviewrun_start")
    assert client_for(importer_bam).get(start).status_code == 302  # to the admin's sign-in
    staff = UserFactory(is_staff=True)  # staff, but not in the Officers group
    assert client_for(staff).post(start, {"year": str(REVIEWED)}).status_code == 403
    assert not ReviewRun.objects.exists()


def test_staff_who_only_look_decide_nothing_and_refund_nothing(client_for, pending, rm1):
    """Decisions are permissions of their own, which the Officers group holds: staff
    who may only view requests and balances see neither action, and posting one does
    nothing."""
    posting_create(program_account=rm1, kind="payment", amount=D("-75.25"))
    viewer = UserFactory(email="viewer@cbsa.example", is_staff=True)
    viewer.user_permissions.set(
        Permission.objects.filter(codename__in=["view_reductionrequest", "view_accountbalance"])
    )
    client = client_for(viewer)
    for url, action, selected in (
        (reverse("admin:security_reductionrequest_changelist"), "approve_requests", pending.pk),
        (reverse("admin:financial_accountbalance_changelist"), "refund_credit", rm1.pk),
    ):
        page = client.get(url)
        assert page.status_code == 200 and f'value="{action}"' not in page.content.decode()
        client.post(url, {"action": action, "_selected_action": [selected]})
    assert ReductionRequest.objects.get().status == "pending"
    assert AccountBalance.objects.get(program_account=rm1).balance == D("-75.25")
