"""Statements of Account (lines A–H, revenue split, once per period), interest compounded
daily on what stays unpaid after the due date, arrears notices, refunds."""

import datetime
import threading
from decimal import Decimal as D

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.db.models import Sum

from financial import statements as statements_module
from financial.calendar import EASTERN, start_of
from financial.interest import daily_interest, interest_accrue
from financial.models import InterestAccrual, Posting, PrescribedRate, Statement
from financial.selectors import account_balance
from financial.services import posting_create, refund_issue
from financial.statements import last_period_end, statements_issue
from notifications.models import Notification
from tests.factories import ProgramAccountFactory

pytestmark = pytest.mark.django_db

OCT_17 = datetime.date(2026, 10, 17)
NOV_17 = datetime.date(2026, 11, 17)


def at(day: str, hour: int = 12) -> datetime.datetime:
    return datetime.datetime.combine(
        datetime.date.fromisoformat(day), datetime.time(hour), tzinfo=EASTERN
    )


def post(account, kind: str, amount: str, day: str, **split) -> Posting:
    amount = D(amount)
    if kind in ("charge", "correction", "adjustment") and not split:
        split = {"gst": amount}
    return posting_create(
        program_account=account,
        kind=kind,
        amount=amount,
        posted_at=at(day),
        **{k: D(v) if isinstance(v, str) else v for k, v in split.items()},
    )


@pytest.fixture
def history(rm1):
    """Two periods of activity on Maple RM0001 (Sep 18–Oct 17 and Oct 18–Nov 17)."""
    post(rm1, "charge", "1000.00", "2026-09-20", duty="60.00", gst="940.00")
    post(rm1, "payment", "-400.00", "2026-10-01")
    post(rm1, "charge", "250.00", "2026-10-17")  # the period's last day counts
    post(rm1, "charge", "300.00", "2026-10-18", duty="100.00", sima="50.00", gst="150.00")
    post(rm1, "correction", "-40.00", "2026-10-20", duty="-40.00", gst="0.00")
    post(rm1, "payment", "-850.00", "2026-11-02")
    post(rm1, "refund", "5.00", "2026-11-10")
    post(rm1, "penalty", "25.00", "2026-11-12")
    post(rm1, "offset", "-10.00", "2026-11-17")
    post(rm1, "charge", "999.00", "2026-11-18")  # next period
    return rm1


def test_lines_a_to_h_and_the_revenue_split(history):
    statements_issue(period_end=OCT_17)
    statements_issue(period_end=NOV_17)
    october, november = Statement.objects.order_by("period_end")

    assert (october.period_start, october.statement_date, october.due_date) == (
        datetime.date(2026, 9, 18),
        datetime.date(2026, 10, 25),
        datetime.date(2026, 10, 30),  # 10 weekdays after Sat Oct 17
    )
    assert (october.previous_balance, october.charges, october.payments) == (
        D("0.00"),
        D("1250.00"),
        D("400.00"),
    )
    assert october.total_payable == D("850.00")
    assert (october.duty, october.gst) == (D("60.00"), D("1190.00"))

    lines = {name: amount for _, name, _, amount in november.summary_lines()}
    assert lines == {
        "previous_balance": D("850.00"),  # A: October's H
        "corrections": D("-40.00"),  # B
        "payments": D("850.00"),  # C
        "disbursements": D("5.00"),  # D
        "interest_and_penalties": D("25.00"),  # E
        "charges": D("300.00"),  # F
        "credits": D("10.00"),  # G
        "total_payable": D("280.00"),  # H = A + B - C + D + E + F - G
    }
    split = {name: amount for name, _, amount in november.revenue_split()}
    assert split["duty"] == D("60.00") and split["sima"] == D("50.00")
    assert split["gst"] == D("150.00") and split["penalties"] == D("25.00")
    # H is what the ledger says was owed at the period's end.
    owed = Posting.objects.filter(
        program_account=history, posted_at__lt=start_of(NOV_17 + datetime.timedelta(days=1))
    )
    assert november.total_payable == owed.aggregate(total=Sum("amount"))["total"] + D("0")


def test_a_first_statement_sums_the_history_before_it(history):
    statements_issue(period_end=NOV_17)  # October was never issued
    november = Statement.objects.get()
    assert november.previous_balance == D("850.00")
    assert november.total_payable == D("280.00")


def test_issued_once_whatever_the_reruns(history, importer_bam, reader):
    first = statements_issue(period_end=OCT_17)
    again = statements_issue(period_end=OCT_17)
    assert (first.issued, first.already) == (1, 0)
    assert (again.issued, again.already) == (0, 1)
    assert Statement.objects.count() == 1
    notified = Notification.objects.filter(kind="statement_available")
    # The importer's BAM and the reader whose scope has RM0001, each once.
    assert sorted(n.recipient.email for n in notified) == [importer_bam.email, reader.email]
    assert "dated October 25, 2026 is" in notified.first().body


def test_accounts_without_a_ledger_before_the_period_end_get_no_statement(rm1, rm2):
    post(rm1, "charge", "10.00", "2026-10-01")
    post(rm2, "charge", "10.00", "2026-10-18")  # the next period's
    assert statements_issue(period_end=OCT_17).issued == 1
    assert not Statement.objects.filter(program_account=rm2).exists()


def test_a_period_ends_on_the_17th():
    with pytest.raises(ValueError, match="17th"):
        statements_issue(period_end=datetime.date(2026, 10, 18))


@pytest.mark.parametrize(
    ("today", "period_end"),
    [("2026-10-25", "2026-10-17"), ("2026-10-17", "2026-09-17"), ("2026-01-05", "2025-12-17")],
)
def test_the_job_issues_the_last_closed_period(today, period_end):
    assert last_period_end(datetime.date.fromisoformat(today)).isoformat() == period_end


def test_the_command_prints_a_summary_and_refuses_bad_dates(history, capsys):
    call_command("issue_statements", "--period-end", "2026-10-17")
    assert "issue_statements 2026-10-17: 1 issued, 0 already issued" in capsys.readouterr().out
    with pytest.raises(CommandError, match="17th"):
        call_command("issue_statements", "--period-end", "2026-10-18")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("issue_statements", "--period-end", "17/10/2026")


# --- Interest ------------------------------------------------------------------------------


@pytest.fixture
def overdue(rm1):
    """$1,000 billed on the statement of Oct 25, due Fri Oct 30; 5 % prescribed."""
    PrescribedRate.objects.create(quarter_start=datetime.date(2026, 10, 1), rate=D("5.00"))
    post(rm1, "charge", "1000.00", "2026-10-05")
    statements_issue(period_end=OCT_17)
    return rm1


def accrue(day: str):
    return interest_accrue(day=datetime.date.fromisoformat(day))


def test_nothing_accrues_until_the_due_date_has_passed(overdue):
    assert accrue("2026-10-30").accrued == 0
    assert accrue("2026-10-31").accrued == 1
    accrual = InterestAccrual.objects.get()
    # Specified rate 5 + 6 = 11 %; one day of it on $1,000.
    assert (accrual.annual_rate, accrual.amount) == (D("11.00"), D("0.301370"))


def test_interest_compounds_daily_and_posts_on_the_next_statement(overdue):
    for day in range(31, 32):
        accrue(f"2026-10-{day}")
    for day in range(1, 18):
        accrue(f"2026-11-{day:02d}")
    amounts = list(InterestAccrual.objects.order_by("day").values_list("amount", flat=True))
    assert len(amounts) == 18
    assert amounts[1] == daily_interest(D("1000.301370"), D("11.00"))  # interest on interest
    assert amounts == sorted(amounts)
    statements_issue(period_end=NOV_17)
    november = Statement.objects.get(period_end=NOV_17)
    expected = sum(amounts).quantize(D("0.01"))
    assert november.interest_and_penalties == november.interest == expected
    assert november.total_payable == D("1000.00") + expected
    assert account_balance(overdue) == D("1000.00") + expected


def test_accruing_twice_on_one_day_changes_nothing(overdue):
    accrue("2026-11-02")
    again = accrue("2026-11-02")
    assert (again.accrued, again.already) == (0, 1)
    assert InterestAccrual.objects.count() == 1


def test_payments_after_the_statement_reduce_what_bears_interest(overdue):
    post(overdue, "payment", "-600.00", "2026-10-28")
    accrue("2026-11-02")
    assert InterestAccrual.objects.get().overdue == D("400.00")
    post(overdue, "payment", "-400.00", "2026-11-02")
    assert accrue("2026-11-03").accrued == 0  # paid off


def test_without_a_prescribed_rate_nothing_accrues(rm1):
    post(rm1, "charge", "1000.00", "2026-10-05")
    statements_issue(period_end=OCT_17)
    summary = accrue("2026-11-02")
    assert summary.rate is None and "no prescribed rate" in str(summary)
    assert not InterestAccrual.objects.exists()


def test_an_arrears_notice_once_at_30_days_overdue(overdue, importer_bam):
    assert accrue("2026-11-28").arrears_notices == 0  # 29 days after Oct 30
    assert accrue("2026-11-29").arrears_notices == 1
    assert accrue("2026-11-30").arrears_notices == 0
    notice = Notification.objects.get(kind="arrears_notice")
    assert notice.recipient == importer_bam
    assert "$1,000.00" in notice.body


def test_the_daily_job_as_a_command(overdue, capsys):
    with time_machine.travel(datetime.datetime(2026, 11, 2, 3, tzinfo=EASTERN), tick=False):
        call_command("accrue_interest")
    assert "accrue_interest 2026-11-02: 1 accounts accrued at 11.00 %" in capsys.readouterr().out


# --- Refunds ---------------------------------------------------------------------------------


def test_a_refund_only_from_a_credit_and_never_more_than_it(rm1, officer):
    from financial.errors import FinancialError

    post(rm1, "charge", "100.00", "2026-10-01")
    with pytest.raises(FinancialError) as refused:
        refund_issue(officer=officer, program_account=rm1, amount=D("10.00"))
    assert refused.value.code == "refund_with_debt"
    post(rm1, "payment", "-130.00", "2026-10-02")
    with pytest.raises(FinancialError) as refused:
        refund_issue(officer=officer, program_account=rm1, amount=D("30.01"))
    assert refused.value.code == "refund_over_credit" and "$30.00" in refused.value.message
    refund_issue(officer=officer, program_account=rm1, amount=D("30.00"))
    assert account_balance(rm1) == D("0.00")


def test_an_officer_refunds_a_credit_balance_from_admin(client_for, officer, rm1, rm2):
    from django.urls import reverse

    post(rm1, "payment", "-75.25", "2026-10-02")
    post(rm2, "charge", "10.00", "2026-10-02")
    response = client_for(officer).post(
        reverse("admin:financial_accountbalance_changelist"),
        {"action": "refund_credit", "_selected_action": [rm1.pk, rm2.pk]},
        follow=True,
    )
    assert "1 refund issued." in response.content.decode()
    assert account_balance(rm1) == D("0.00") and account_balance(rm2) == D("10.00")


def test_statements_only_for_accounts_in_the_list(rm1):
    other = ProgramAccountFactory()
    post(rm1, "charge", "10.00", "2026-10-01")
    post(other, "charge", "10.00", "2026-10-01")
    assert statements_issue(period_end=OCT_17, accounts=[other.pk]).issued == 1
    assert list(Statement.objects.values_list("program_account", flat=True)) == [other.pk]


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_post_the_interest_once(overdue, monkeypatch):
    """A second run of the period (a redelivered task, the command beside the schedule)
    that starts while the first is still in its transaction waits for it, then finds the
    statement issued: the interest is posted once."""
    for day in ["2026-10-31", *(f"2026-11-{day:02d}" for day in range(1, 18))]:
        accrue(day)
    inside, release = threading.Event(), threading.Event()
    totals = statements_module._period_totals

    def first_run_waits(*args):
        if threading.current_thread().name == "first" and not inside.is_set():
            inside.set()  # the interest is posted, the transaction still open
            release.wait(timeout=60)
        return totals(*args)

    monkeypatch.setattr(statements_module, "_period_totals", first_run_waits)
    errors = []

    def issue():
        try:
            statements_issue(period_end=NOV_17)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    first = threading.Thread(target=issue, name="first")
    second = threading.Thread(target=issue, name="second")
    first.start()
    assert inside.wait(timeout=60)
    second.start()
    with connection.cursor() as cursor:  # until the second run waits for a lock, or is done
        while second.is_alive():
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                break
            second.join(timeout=0.05)
    release.set()
    first.join(timeout=60)
    second.join(timeout=60)
    assert errors == []
    assert Posting.objects.filter(kind="interest").count() == 1
    assert Statement.objects.filter(period_end=NOV_17).count() == 1
