"""When beat starts the RPP jobs, on Toronto time: the annual review at 02:00 on October 20,
enforcement at 00:05 on January 16; and what those days do: the review's year, the
requirement in force from January 15, suspension unless a reduction request is pending.

Both the Celery crontab of settings.CELERY_BEAT_SCHEDULE and the entry the database
scheduler (django_celery_beat, what beat runs here) makes of it are asked."""

import datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django_celery_beat.schedulers import ModelEntry

from accounts.models import ProgramAccount
from carm.celery import app
from financial.calendar import EASTERN
from financial.services import posting_create
from notifications.kinds import Kind
from notifications.models import Notification
from security.models import ReviewRun
from security.review import annual_review
from security.rules import review_year_due
from security.selectors import requirement_in_force
from security.services import bond_post, reduction_request, rpp_enforce
from security.tasks import rpp_annual_review
from tests.factories import ProgramAccountFactory, invited

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def toronto(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=EASTERN)


def schedules(name: str, last_run_at: datetime.datetime):
    """(label, is_due()) of the job: Celery's crontab, and the database scheduler's entry
    made of it, each last run at `last_run_at`."""
    crontab = settings.CELERY_BEAT_SCHEDULE[name]["schedule"]
    entry = ModelEntry.from_entry(name, app=app, **settings.CELERY_BEAT_SCHEDULE[name])
    entry.last_run_at = last_run_at
    return [
        ("crontab", lambda: crontab.is_due(last_run_at)),
        ("django_celery_beat", entry.is_due),
    ]


def due_at(name: str, moment: datetime.datetime, last_run_at: datetime.datetime) -> dict:
    with time_machine.travel(moment, tick=False):
        return {label: is_due().is_due for label, is_due in schedules(name, last_run_at)}


LAST_REVIEW = toronto(2025, 10, 20, 2, 0)
LAST_ENFORCEMENT = toronto(2026, 1, 16, 0, 5)
BOTH = {"crontab": True, "django_celery_beat": True}
NEITHER = {"crontab": False, "django_celery_beat": False}


def test_the_jobs_keep_toronto_time():
    for name in ("rpp-annual-review", "rpp-enforcement"):
        assert settings.CELERY_BEAT_SCHEDULE[name]["schedule"].tz == ZoneInfo("America/Toronto")
        entry = ModelEntry.from_entry(name, app=app, **settings.CELERY_BEAT_SCHEDULE[name])
        assert entry.model.crontab.timezone == ZoneInfo("America/Toronto")


def test_nothing_is_due_for_the_review_on_october_19():
    for hour in range(24):
        for minute in (0, 59):
            moment = toronto(2026, 10, 19, hour, minute)
            assert due_at("rpp-annual-review", moment, LAST_REVIEW) == NEITHER, moment


def test_the_review_is_due_at_2_on_october_20_in_toronto():
    assert due_at("rpp-annual-review", toronto(2026, 10, 20, 1, 59), LAST_REVIEW) == NEITHER
    assert due_at("rpp-annual-review", toronto(2026, 10, 20, 2, 0), LAST_REVIEW) == BOTH
    # 02:00 in Toronto is 06:00 UTC (EDT); 02:00 UTC is still October 19 in Toronto.
    moment = datetime.datetime(2026, 10, 20, 6, 0, tzinfo=UTC)
    assert due_at("rpp-annual-review", moment, LAST_REVIEW) == BOTH
    moment = datetime.datetime(2026, 10, 20, 2, 0, tzinfo=UTC)
    assert due_at("rpp-annual-review", moment, LAST_REVIEW) == NEITHER
    # Once run, the next is a year on.
    ran = toronto(2026, 10, 20, 2, 0)
    assert due_at("rpp-annual-review", toronto(2026, 10, 21, 2, 0), ran) == NEITHER
    with time_machine.travel(toronto(2026, 10, 19, 2, 0), tick=False):
        crontab = settings.CELERY_BEAT_SCHEDULE["rpp-annual-review"]["schedule"]
        assert crontab.remaining_estimate(LAST_REVIEW) == datetime.timedelta(hours=24)


def test_enforcement_is_due_at_0_05_on_january_16_in_toronto():
    for moment in (toronto(2027, 1, 15, 23, 59), toronto(2027, 1, 16, 0, 4)):
        assert due_at("rpp-enforcement", moment, LAST_ENFORCEMENT) == NEITHER, moment
    assert due_at("rpp-enforcement", toronto(2027, 1, 16, 0, 5), LAST_ENFORCEMENT) == BOTH
    # 00:05 in Toronto is 05:05 UTC (EST); at 00:05 UTC it is 19:05 on January 15 there.
    moment = datetime.datetime(2027, 1, 16, 5, 5, tzinfo=UTC)
    assert due_at("rpp-enforcement", moment, LAST_ENFORCEMENT) == BOTH
    moment = datetime.datetime(2027, 1, 16, 0, 5, tzinfo=UTC)
    assert due_at("rpp-enforcement", moment, LAST_ENFORCEMENT) == NEITHER


@pytest.mark.parametrize(
    ("day", "year"),
    [
        ("2026-01-15", 2025),
        ("2026-10-19", 2025),
        ("2026-10-20", 2026),
        ("2026-12-31", 2026),
        ("2027-01-15", 2026),
        ("2027-10-19", 2026),
    ],
)
def test_the_review_year_due(day, year):
    assert review_year_due(datetime.date.fromisoformat(day)) == year


@pytest.mark.parametrize(
    ("moment", "year"),
    [
        (toronto(2026, 10, 20, 2, 0), 2026),
        # October 20 already in UTC, still the 19th in Toronto: last year's review.
        (toronto(2026, 10, 19, 23, 59), 2025),
    ],
)
def test_the_scheduled_review_reviews_the_year_of_the_toronto_date(moment, year):
    with time_machine.travel(moment, tick=False):
        rpp_annual_review.delay()  # as beat sends it: no year
    assert ReviewRun.objects.get().year == year


# --- The days themselves -------------------------------------------------------------------


def charge(account: ProgramAccount, amount: str, moment: datetime.datetime) -> None:
    value = D(amount)
    posting_create(
        program_account=account, kind="charge", amount=value, duty=value, posted_at=moment
    )


def bond(surety_user, account: ProgramAccount, number: str, amount: str, moment) -> None:
    with time_machine.travel(moment, tick=False):
        bond_post(
            actor=surety_user,
            program_account=account,
            bond_number=number,
            amount=amount,
            effective_date=moment.date(),
        )


def test_january_16_suspends_the_under_secured_account_but_not_a_pending_reduction(
    maple, rm1, rm2, importer_bam, surety_user
):
    """Three RPP accounts of Maple with a $40,000 month in the 2026 window (bond $20,000
    from 2027-01-15), each with the $5,000 bond of a new importer: RM0001 posts nothing
    more, RM0002 asks to lower its requirement, RM0003 posts the $15,000 it lacks."""
    rm3 = ProgramAccountFactory(business=maple, reference="RM0003")
    invited(surety_user.memberships.get().business, rm3)
    accounts = [rm1, rm2, rm3]
    ProgramAccount.objects.filter(pk__in=[a.pk for a in accounts]).update(
        rpp_status=ProgramAccount.RppStatus.ACTIVE
    )
    for n, account in enumerate(accounts):
        bond(surety_user, account, f"TN-{n}", "5000.00", toronto(2025, 11, 3, 9))
        charge(account, "40000.00", toronto(2026, 3, 10, 12))
    charge(rm1, "900000.00", toronto(2026, 10, 20, 0, 0))  # the 2027 window's

    with time_machine.travel(toronto(2026, 10, 20, 2, 0), tick=False):
        summary = annual_review(year=2026)
    assert (summary.accounts, summary.increased) == (3, 3)

    # The new amount is only in force from January 15 of the next year.
    in_force = [
        requirement_in_force(rm1, datetime.date.fromisoformat(day)).bond
        for day in ("2026-10-19", "2026-10-20", "2026-12-31", "2027-01-14", "2027-01-15")
    ]
    assert in_force == [D("5000")] * 4 + [D("20000")]
    assert rpp_enforce(day=datetime.date(2027, 1, 14)).suspended == 0

    bond(surety_user, rm3, "TN-9", "15000.00", toronto(2027, 1, 12, 9))
    with time_machine.travel(toronto(2027, 1, 15, 16), tick=False):
        reduction_request(
            actor=importer_bam,
            program_account=rm2,
            amount=D("10000.00"),
            justification="Our March was one exceptional order that will not come back.",
        )

    with time_machine.travel(toronto(2027, 1, 16, 0, 5), tick=False):
        summary = rpp_enforce(day=datetime.date(2027, 1, 16))
    assert (summary.checked, summary.suspended, summary.spared) == (3, 1, 1)
    statuses = dict(
        ProgramAccount.objects.filter(pk__in=[a.pk for a in accounts]).values_list(
            "bn15", "rpp_status"
        )
    )
    assert statuses == {
        rm1.bn15: ProgramAccount.RppStatus.SUSPENDED,
        rm2.bn15: ProgramAccount.RppStatus.ACTIVE,
        rm3.bn15: ProgramAccount.RppStatus.ACTIVE,
    }
    suspension = Notification.objects.get(kind=Kind.RPP_SUSPENSION)
    assert (suspension.recipient, suspension.context["account"]) == (importer_bam, rm1.bn15)
