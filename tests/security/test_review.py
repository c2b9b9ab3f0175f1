"""The annual review in process: highest month in SQL, one review per account and year,
notifications only on an increase and never twice; the requirement in force around
January 15; suspension, reinstatement, reductions, bond renewals, the forecast."""

import datetime
from decimal import Decimal as D

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from accounts.models import ProgramAccount
from carm.jobs import chunks_of
from financial.calendar import EASTERN
from financial.services import posting_create
from notifications.models import Notification
from security.errors import SecurityError
from security.models import BondRenewal, ReductionRequest, ReviewRun, RppReview, SuretyBond
from security.overview import security_overview
from security.review import annual_review
from security.rules import review_year_due
from security.selectors import (
    bonds_in_force,
    forecast,
    highest_months,
    pending_reduction,
    requirement_in_force,
)
from security.services import (
    bond_post,
    bonds_renew,
    cash_deposit_record,
    forecast_nudge,
    reduction_decide,
    reduction_request,
    rpp_enforce,
)

pytestmark = pytest.mark.django_db


def at(day: str, hour: int = 12) -> datetime.datetime:
    return datetime.datetime.combine(
        datetime.date.fromisoformat(day), datetime.time(hour), tzinfo=EASTERN
    )


def charge(account, amount: str, day: str, hour: int = 12, kind: str = "charge"):
    value = D(amount)
    return posting_create(
        program_account=account, kind=kind, amount=value, gst=value, posted_at=at(day, hour)
    )


def test_the_highest_month_inside_the_window_only(rpp):
    charge(rpp, "900000.00", "2025-10-19")  # before the 2026 window
    charge(rpp, "3000.00", "2025-10-20", hour=0)  # its first minute, Eastern
    charge(rpp, "4000.00", "2026-03-10")
    charge(rpp, "4000.00", "2026-03-31", hour=23)  # still March in Toronto
    charge(rpp, "-500.00", "2026-03-15", kind="correction")  # downward: not receivable
    charge(rpp, "9999.00", "2026-04-01", kind="interest")  # not receivable
    charge(rpp, "800000.00", "2026-10-20")  # the 2027 review's
    assert highest_months([rpp.pk], 2026) == {rpp.pk: (datetime.date(2026, 3, 1), D("8000.00"))}


def test_a_review_that_raises_the_requirement_notifies_once(rpp, importer_bam, reader):
    charge(rpp, "25000.00", "2026-05-05")
    first = annual_review(year=2026)
    review = RppReview.objects.get()
    assert (review.highest_month, review.highest_amount) == (datetime.date(2026, 5, 1), D("25000"))
    assert (review.required_bond, review.required_cash) == (D("12500"), D("25000"))
    assert (review.previous_bond, review.increased) == (D("5000"), True)
    assert review.effective_date == datetime.date(2027, 1, 15)
    assert (first.accounts, first.increased, first.created) == (1, 1, 1)

    again = annual_review(year=2026)
    assert (again.accounts, again.created) == (1, 0)
    assert RppReview.objects.count() == 1
    notices = Notification.objects.filter(kind="rpp_annual_review")
    # The BAM and the reader whose scope has RM0001, once each.
    assert sorted(n.recipient.email for n in notices) == [importer_bam.email, reader.email]
    body = notices.get(recipient=importer_bam).body
    assert "$5,000.00" in body and "$12,500.00" in body and "January 15, 2027 " in body
    runs = ReviewRun.objects.order_by("started_at")
    assert [(r.accounts, r.increased, r.chunks_done, r.chunks) for r in runs] == [
        (1, 1, 1, 1),
        (1, 1, 1, 1),
    ]


def test_no_notification_when_the_requirement_did_not_rise(rpp, importer_bam):
    charge(rpp, "9999.99", "2026-05-05")  # bond 5,000: the minimum already in force
    annual_review(year=2026)
    assert RppReview.objects.get().increased is False
    assert not Notification.objects.filter(kind="rpp_annual_review").exists()


def test_accounts_without_rpp_are_not_reviewed(rm1, rm2, rpp):
    rm2.rpp_status = ProgramAccount.RppStatus.NOT_ENROLLED
    rm2.save()
    charge(rm2, "50000.00", "2026-05-05")
    assert annual_review(year=2026).accounts == 1
    assert not RppReview.objects.filter(program_account=rm2).exists()


def test_the_previous_requirement_stays_until_january_15(rpp):
    charge(rpp, "30000.00", "2025-06-01")
    annual_review(year=2025)  # 15,000 from 2026-01-15
    charge(rpp, "50000.00", "2026-06-01")
    annual_review(year=2026)  # 25,000 from 2027-01-15
    assert RppReview.objects.get(year=2026).previous_bond == D("15000")
    in_force = [
        requirement_in_force(rpp, datetime.date.fromisoformat(day)).bond
        for day in ("2026-01-14", "2026-01-15", "2026-10-20", "2027-01-14", "2027-01-15")
    ]
    assert in_force == [D("5000"), D("15000"), D("15000"), D("15000"), D("25000")]


def test_bonds_and_cash_cover_together(rpp, surety_user, officer):
    charge(rpp, "40000.00", "2025-06-01")
    annual_review(year=2025)  # bond 20,000 or cash 40,000
    day = datetime.date(2026, 2, 1)
    assert security_overview(rpp, day).position.shortfall == D("20000.00")
    bond_post(
        actor=surety_user,
        program_account=rpp,
        bond_number="TN-1",
        amount="10000.00",
        effective_date=timezone.localdate(),
    )
    cash_deposit_record(officer=officer, program_account=rpp, amount=D("10000.00"), received_on=day)
    position = security_overview(rpp, max(day, timezone.localdate())).position
    assert position.posted == D("20000.00")
    assert position.shortfall == D("5000.00")  # $10,000 cash covers a $5,000 bond


def test_enforcement_suspends_then_a_bond_reinstates(rpp, importer_bam, surety_user):
    charge(rpp, "40000.00", "2025-06-01")
    annual_review(year=2025)
    today = timezone.localdate()
    summary = rpp_enforce(day=today)
    rpp.refresh_from_db()
    assert rpp.rpp_status == "suspended" and summary.suspended == 1
    assert rpp_enforce(day=today).suspended == 0  # once
    assert Notification.objects.filter(kind="rpp_suspension").count() == 1

    with pytest.raises(SecurityError) as refused:
        bond_post(
            actor=importer_bam,  # not a surety
            program_account=rpp,
            bond_number="X",
            amount="1.00",
            effective_date=today,
        )
    assert refused.value.code == "not_a_surety"
    bond_post(
        actor=surety_user,
        program_account=rpp,
        bond_number="TN-2",
        amount="20000.00",
        effective_date=today,
    )
    rpp.refresh_from_db()
    assert rpp.rpp_status == "active"
    assert Notification.objects.filter(kind="rpp_reinstatement", recipient=importer_bam).exists()


def test_a_pending_reduction_spares_the_account(rpp, importer_bam, officer):
    charge(rpp, "40000.00", "2025-06-01")
    annual_review(year=2025)
    request = reduction_request(
        actor=importer_bam,
        program_account=rpp,
        amount=D("8000.00"),
        justification="Our imports fell by half after we closed the Montréal store.",
    )
    assert rpp_enforce(day=timezone.localdate()).spared == 1
    rpp.refresh_from_db()
    assert rpp.rpp_status == "active"
    with pytest.raises(SecurityError) as refused:
        reduction_request(
            actor=importer_bam, program_account=rpp, amount=D("7000"), justification="x" * 30
        )
    assert refused.value.code == "reduction_pending"
    reduction_decide(officer=officer, request=request, approve=True)
    assert requirement_in_force(rpp, timezone.localdate()).bond == D("8000.00")
    decision = Notification.objects.get(kind="reduction_decision")
    assert decision.recipient == importer_bam and "approved" in decision.body
    with pytest.raises(SecurityError) as again:
        reduction_decide(officer=officer, request=request, approve=False, note="Too late")
    assert again.value.code == "already_decided"


@pytest.mark.parametrize(
    ("amount", "justification", "code"),
    [
        ("0", "A long enough justification here.", "amount"),
        ("12.345", "A long enough justification here.", "amount"),
        ("5000.00", "A long enough justification here.", "not_a_reduction"),
        ("100.00", "too short", "justification"),
    ],
)
def test_bad_reduction_requests_change_nothing(rpp, importer_bam, amount, justification, code):
    with pytest.raises(SecurityError) as refused:
        reduction_request(
            actor=importer_bam, program_account=rpp, amount=amount, justification=justification
        )
    assert refused.value.code == code
    assert not ReductionRequest.objects.exists()


def test_bonds_renew_yearly_until_cancelled(rpp, surety_user):
    from security.models import SuretyBond
    from security.services import bond_cancel, surety_of

    bond = SuretyBond.objects.create(
        program_account=rpp,
        surety=surety_of(surety_user),
        bond_number="TN-3",
        amount=D("5000.00"),
        effective_date=datetime.date(2024, 3, 10),
        posted_by=surety_user,
    )
    assert bonds_renew(day=datetime.date(2024, 3, 10)) == 0  # the day it starts
    assert bonds_renew(day=datetime.date(2025, 3, 9)) == 0
    assert bonds_renew(day=datetime.date(2025, 3, 10)) == 1
    assert bonds_renew(day=datetime.date(2025, 3, 10)) == 0  # once
    with time_machine.travel(at("2026-03-01"), tick=False):  # a cancellation is made ahead
        bond_cancel(
            actor_business=bond.surety, bond=bond, cancelled_from=datetime.date(2026, 3, 10)
        )
    assert bonds_renew(day=datetime.date(2026, 3, 10)) == 0
    assert list(BondRenewal.objects.values_list("renewed_on", flat=True)) == [
        datetime.date(2025, 3, 10)
    ]


def test_a_bond_of_february_29_renews_on_the_28th_without_a_29th(rpp, surety_user):
    bond = SuretyBond.objects.create(
        program_account=rpp,
        surety=surety_user.memberships.get().business,
        bond_number="TN-29",
        amount=D("5000.00"),
        effective_date=datetime.date(2024, 2, 29),
        posted_by=surety_user,
    )
    assert bonds_renew(day=datetime.date(2025, 2, 27)) == 0
    assert bonds_renew(day=datetime.date(2025, 2, 28)) == 1
    assert bonds_renew(day=datetime.date(2028, 2, 28)) == 0  # 2028 has its 29th
    assert bonds_renew(day=datetime.date(2028, 2, 29)) == 1
    assert list(bond.renewals.values_list("renewed_on", flat=True).order_by("renewed_on")) == [
        datetime.date(2025, 2, 28),
        datetime.date(2028, 2, 29),
    ]


def test_the_forecast_and_its_weekly_nudge(rpp, importer_bam):
    today = timezone.localdate()
    charge(rpp, "60000.00", today.isoformat(), hour=0)
    expected = forecast(rpp, today)
    assert expected.year == review_year_due(today) + 1
    assert expected.window[0] <= today <= expected.window[1]
    assert expected.bond == D("30000")
    assert forecast_nudge(day=today) == 1
    assert forecast_nudge(day=today) == 0  # once a week
    assert "$30,000" in Notification.objects.get(kind="rpp_forecast").body


def test_the_commands(rpp, capsys):
    charge(rpp, "25000.00", "2026-05-05")
    call_command("rpp_annual_review", "--year", "2026")
    assert "rpp_annual_review 2026: 1 accounts reviewed, 1 increased" in capsys.readouterr().out
    call_command("rpp_enforce", "--date", "2027-01-16")
    assert "rpp_enforce 2027-01-16: 1 RPP accounts checked, 1 suspended" in (
        capsys.readouterr().out
    )
    call_command("renew_bonds", "--date", "2027-01-16")
    assert "renew_bonds 2027-01-16: 0 bonds renewed." in capsys.readouterr().out


def test_before_january_15_a_reduction_is_asked_of_the_new_requirement(rpp, importer_bam):
    import time_machine

    charge(rpp, "40000.00", "2026-06-01")  # 20,000 from 2027-01-15; 5,000 until then
    annual_review(year=2026)
    with time_machine.travel(datetime.datetime(2026, 11, 2, 12, tzinfo=EASTERN), tick=False):
        request = reduction_request(
            actor=importer_bam,
            program_account=rpp,
            amount=D("10000.00"),
            justification="June was a one-off: a single order for a new store opening.",
        )
        assert requirement_in_force(rpp, timezone.localdate()).bond == D("5000")
    assert request.status == "pending"


def reduce_to(account, amount: str, importer_bam, officer):
    request = reduction_request(
        actor=importer_bam,
        program_account=account,
        amount=D(amount),
        justification="Our imports fell by half after we closed the Montréal store.",
    )
    reduction_decide(officer=officer, request=request, approve=True)


def test_the_previous_requirement_is_the_last_review_lowered_by_a_reduction_since(
    rpp, rm2, importer_bam, officer
):
    rm2.rpp_status = ProgramAccount.RppStatus.ACTIVE
    rm2.save()
    for account in (rpp, rm2):
        charge(account, "50000.00", "2025-06-01")  # 2025: bond 25,000, cash 50,000
    annual_review(year=2025)
    reduce_to(rpp, "10000.00", importer_bam, officer)
    annual_review(year=2026)  # nothing in the 2026 window: the $5,000 minimum
    reduced, reviewed = (
        RppReview.objects.get(program_account=account, year=2026) for account in (rpp, rm2)
    )
    # cash lowered in the bond's proportion: 50,000 × 10,000 / 25,000
    assert (reduced.previous_bond, reduced.previous_cash) == (D("10000"), D("20000"))
    assert (reviewed.previous_bond, reviewed.previous_cash) == (D("25000"), D("50000"))
    assert (reduced.required_bond, reduced.increased) == (D("5000"), False)


def test_a_reduction_before_the_last_review_no_longer_counts(rpp, importer_bam, officer):
    charge(rpp, "50000.00", "2025-06-01")
    reduce_to(rpp, "4000.00", importer_bam, officer)
    annual_review(year=2025)
    annual_review(year=2026)
    assert RppReview.objects.get(year=2026).previous_bond == D("25000")


def test_the_security_page_reads_each_day_s_requirement_and_bonds_as_the_selectors_do(
    rpp, importer_bam, officer, surety_user, django_assert_max_num_queries
):
    """The page reads the reviews, reductions and bonds once and works out each day from
    them (security.overview); it must agree with requirement_in_force and bonds_in_force on
    every day around the reviews, the reductions and the bonds' dates."""
    today = timezone.localdate()
    with time_machine.travel(datetime.datetime(2025, 9, 1, 12, tzinfo=EASTERN), tick=False):
        reduce_to(rpp, "4000.00", importer_bam, officer)  # until the 2025 review
    charge(rpp, "50000.00", "2025-06-01")
    with time_machine.travel(datetime.datetime(2025, 10, 20, 6, tzinfo=EASTERN), tick=False):
        annual_review(year=2025)  # 25,000 from 2026-01-15
    with time_machine.travel(datetime.datetime(2026, 2, 3, 12, tzinfo=EASTERN), tick=False):
        reduce_to(rpp, "12000.00", importer_bam, officer)  # lowers 2025's from Feb 3
    charge(rpp, "60000.00", "2026-06-01")
    with time_machine.travel(datetime.datetime(2026, 10, 20, 6, tzinfo=EASTERN), tick=False):
        annual_review(year=2026)  # 30,000 from 2027-01-15, 12,000 until then
    reduction_request(
        actor=importer_bam,
        program_account=rpp,
        amount=D("20000.00"),
        justification="June was a one-off: a single order for a new store opening.",
    )
    for number, start, cancelled in (
        ("TN-1", today - datetime.timedelta(days=400), None),
        ("TN-2", today - datetime.timedelta(days=30), today + datetime.timedelta(days=10)),
        ("TN-3", today + datetime.timedelta(days=20), None),
    ):
        SuretyBond.objects.create(
            program_account=rpp,
            surety=surety_user.memberships.get().business,
            bond_number=number,
            amount=D("1000.00"),
            effective_date=start,
            cancelled_from=cancelled,
            posted_by=surety_user,
        )
    days = [
        datetime.date(2025, 10, 1),
        datetime.date(2026, 1, 14),
        datetime.date(2026, 1, 15),
        datetime.date(2026, 2, 2),
        datetime.date(2026, 2, 3),
        datetime.date(2026, 10, 20),
        today,
        today + datetime.timedelta(days=10),
        today + datetime.timedelta(days=20),
        datetime.date(2027, 1, 14),
        datetime.date(2027, 1, 15),
    ]
    answers = set()
    for day in days:
        with django_assert_max_num_queries(5):
            overview = security_overview(rpp, day)
        assert overview.required == requirement_in_force(rpp, day), day
        assert {bond.pk for bond in overview.position.bonds} == {
            bond.pk for bond in bonds_in_force(rpp, day)
        }, day
        if overview.upcoming:
            assert overview.upcoming_required == requirement_in_force(
                rpp, overview.upcoming.effective_date
            )
        assert overview.pending == pending_reduction(rpp)
        answers.add((overview.required.bond, len(overview.position.bonds)))
    # The days above do not all read alike: the first reduction before any review, the
    # 2025 review, the reduction after it, the 2026 review.
    assert {bond for bond, _ in answers} == {D("4000"), D("25000"), D("12000"), D("30000")}
    assert {count for _, count in answers} == {0, 1, 2}


@pytest.mark.parametrize(
    ("accounts", "sizes"),
    [
        (0, []),
        (1, [1]),
        (1000, [1000]),
        (1099, [1099]),  # a remainder under a tenth of a chunk joins the last one
        (1100, [1000, 100]),
        (2500, [1000, 1000, 500]),
        (5001, [1000, 1000, 1000, 1000, 1001]),
    ],
)
def test_chunks_cover_every_account_once(accounts, sizes):
    ids = list(range(1, accounts + 1))
    chunks = chunks_of(ids, 1000)
    assert [len(chunk) for chunk in chunks] == sizes
    assert [pk for chunk in chunks for pk in chunk] == ids


def test_only_those_who_may_ask_for_a_reduction_ask(rpp, reader, broker_bm):
    """Update Requirement is a right of its own in the authorization module: not a
    reader's, nor a third party's without financial-security visibility."""
    for person in (reader, broker_bm):
        with pytest.raises(SecurityError) as refused:
            reduction_request(
                actor=person,
                program_account=rpp,
                amount=D("1000.00"),
                justification="Our imports fell by half after we closed the Montréal store.",
            )
        assert refused.value.code == "not_allowed"
    assert not ReductionRequest.objects.exists()


def test_a_bond_posted_while_enforcement_runs_keeps_the_account_active(
    rpp, importer_bam, surety_user, monkeypatch
):
    """Enforcement looks at each account, then locks it: a bond posted in between (by a
    surety, at that moment) is seen under the lock and the account stays active."""
    from security import services

    charge(rpp, "40000.00", "2025-06-01")
    annual_review(year=2025)
    today = timezone.localdate()
    first_look = services.coverages

    def bond_arrives_after_the_first_look(ids, day):
        answer = first_look(ids, day)
        if not SuretyBond.objects.exists():
            bond_post(
                actor=surety_user,
                program_account=rpp,
                bond_number="TN-9",
                amount="20000.00",
                effective_date=today,
            )
        return answer

    monkeypatch.setattr(services, "coverages", bond_arrives_after_the_first_look)
    assert rpp_enforce(day=today).suspended == 0
    rpp.refresh_from_db()
    assert rpp.rpp_status == "active"
    assert not Notification.objects.filter(kind="rpp_suspension").exists()
