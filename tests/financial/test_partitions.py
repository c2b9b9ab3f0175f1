"""Postings partitioned by month: where a posting lands, the months made ahead, the
references kept by triggers, the reads that touch only their months, and a month detached
after the retention period (financial/partitions.py)."""

import datetime
import json
from decimal import Decimal as D

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.utils import InternalError

from financial.calendar import start_of
from financial.models import AccountBalance, Allocation, ArchivedPostings, Posting
from financial.partitions import (
    DEFAULT,
    MONTHS_AHEAD,
    RETENTION_YEARS,
    PartitionRefused,
    attached,
    detach_refusals,
    month_detach,
    months_ensure,
    partition_name,
)
from financial.selectors import history, ledger_mismatches
from financial.services import posting_create
from financial.statements import KINDS, PERIOD_TOTALS
from financial.tasks import posting_partitions_ahead
from security.selectors import HIGHEST_MONTHS, highest_months_parameters

pytestmark = pytest.mark.django_db

TORONTO_EST = datetime.timezone(datetime.timedelta(hours=-5))


def at(year, month, day, hour=12, minute=0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=TORONTO_EST)


def charge(account, amount: str, posted_at) -> Posting:
    value = D(amount)
    return posting_create(
        program_account=account, kind="charge", amount=value, gst=value, posted_at=posted_at
    )


def payment(account, amount: str, posted_at) -> Posting:
    return posting_create(
        program_account=account, kind="payment", amount=-D(amount), posted_at=posted_at
    )


def table_of(posting: Posting) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM financial_posting WHERE id = %s", [posting.pk]
        )
        return cursor.fetchone()[0]


def scanned(plan: str) -> set[str]:
    """The tables a JSON plan reads."""
    found = set()

    def walk(node):
        if "Relation Name" in node:
            found.add(node["Relation Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(json.loads(plan)[0]["Plan"])
    return found


def explain(sql: str, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        value = cursor.fetchone()[0]
    return value if isinstance(value, str) else json.dumps(value)


def months(*pairs) -> set[str]:
    return {partition_name(datetime.date(year, month, 1)) for year, month in pairs}


def test_a_posting_lands_in_its_toronto_month_and_the_default_takes_any_other(rm1):
    months_ensure(datetime.date(2031, 1, 1), datetime.date(2031, 1, 1))
    last_evening = charge(rm1, "10.00", at(2031, 1, 31, 23, 30))  # 1 February in UTC
    next_morning = charge(rm1, "5.00", at(2031, 2, 1, 0, 0))  # no partition for February
    assert table_of(last_evening) == "financial_posting_2031_01"
    assert table_of(next_morning) == DEFAULT
    assert Posting.objects.filter(program_account=rm1).count() == 2
    assert ledger_mismatches() == []


def test_adding_a_month_moves_its_postings_out_of_the_default_and_keeps_them_append_only(rm1):
    early = charge(rm1, "40.00", at(2032, 5, 3))
    assert table_of(early) == DEFAULT
    assert months_ensure(datetime.date(2032, 4, 1), datetime.date(2032, 6, 1)) == [
        "financial_posting_2032_04",
        "financial_posting_2032_05",
        "financial_posting_2032_06",
    ]
    moved = Posting.objects.get(pk=early.pk)
    assert table_of(moved) == "financial_posting_2032_05"
    assert (moved.amount, moved.posted_at) == (D("40.00"), early.posted_at)
    assert AccountBalance.objects.get(program_account=rm1).balance == D("40.00")
    assert ledger_mismatches() == []
    for statement in (
        "UPDATE financial_posting_2032_05 SET amount = 1",
        "DELETE FROM financial_posting_2032_05",
    ):
        with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert months_ensure(datetime.date(2032, 4, 1), datetime.date(2032, 6, 1)) == []


def test_the_daily_job_makes_this_month_and_the_next_ones_once():
    with time_machine.travel(at(2033, 6, 15), tick=False):
        first = posting_partitions_ahead()
        again = posting_partitions_ahead()
    made = [datetime.date(2033, 6 + n, 1) for n in range(MONTHS_AHEAD + 1)]
    assert first == "posting partitions added: " + ", ".join(map(partition_name, made))
    assert again == "posting partitions added: none"
    assert set(made) <= set(attached())


@pytest.mark.parametrize(
    ("model", "field"),
    [(Allocation, "debit_id"), (Allocation, "credit_id")],
)
def test_a_reference_to_no_posting_is_refused(rm1, model, field):
    credit = payment(rm1, "10.00", at(2031, 1, 5))
    missing = Posting.objects.order_by("-id").values_list("id", flat=True).first() + 1000
    values = {"program_account": rm1, "credit_id": credit.pk, "debit_id": credit.pk}
    values[field] = missing
    with pytest.raises(IntegrityError, match="is not a posting"), transaction.atomic():
        model.objects.create(amount=D("1.00"), **values)
        connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert not Allocation.objects.exists()


def test_every_reference_to_a_posting_is_kept_by_its_trigger():
    references = [
        (relation.related_model._meta.db_table, relation.field.name)
        for relation in Posting._meta.related_objects
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger"
            " WHERE tgname LIKE 'pgtrigger_%%_is_a_posting_%%' AND tgconstraint <> 0"
        )
        guarded = {
            (table, name.removeprefix("pgtrigger_").rsplit("_is_a_posting_")[0])
            for table, name in cursor.fetchall()
        }
    assert len(references) == 8
    assert set(references) <= guarded


def test_the_statement_reads_only_its_months(rm1):
    months_ensure(datetime.date(2031, 1, 1), datetime.date(2031, 3, 1))
    params = {
        "accounts": [rm1.pk],
        "lower": start_of(datetime.date(2031, 1, 25)),
        "start": start_of(datetime.date(2031, 1, 25)),
        "end": start_of(datetime.date(2031, 2, 25)),
        **KINDS,
    }
    assert scanned(explain(PERIOD_TOTALS, params)) == months((2031, 1), (2031, 2))


def test_the_annual_review_reads_only_its_window_s_months(rm1):
    months_ensure(datetime.date(2031, 9, 1), datetime.date(2032, 11, 1))
    plan = explain(HIGHEST_MONTHS, highest_months_parameters([rm1.pk], 2032))
    # October 20, 2031 to October 19, 2032: thirteen months, not September or November.
    window = {(2031, 10), (2031, 11), (2031, 12)} | {(2032, m) for m in range(1, 11)}
    assert scanned(plan) == months(*window)


def test_a_history_page_before_a_day_leaves_the_later_months_alone(rm1, importer_bam):
    months_ensure(datetime.date(2031, 1, 1), datetime.date(2031, 4, 1))
    postings = history(importer_bam, rm1, posted_before=datetime.date(2031, 2, 10))
    read = scanned(postings[:25].explain(format="json"))
    assert months((2031, 1), (2031, 2)) <= read
    assert not read & months((2031, 3), (2031, 4))


# --- Retention ------------------------------------------------------------------------------


@pytest.fixture
def settled_and_open(rm1):
    """March 2019 settled (a charge and its payment), April 2019 with a charge unpaid."""
    months_ensure(datetime.date(2019, 3, 1), datetime.date(2019, 4, 1))
    charge(rm1, "100.00", at(2019, 3, 4))
    payment(rm1, "100.00", at(2019, 3, 20))
    charge(rm1, "25.00", at(2019, 4, 2))
    connection.check_constraints()  # the references checked, as the commit would
    return rm1


def test_a_month_is_kept_for_the_retention_period(settled_and_open):
    ends = datetime.date(2019, 4, 1)
    kept_until = ends.replace(year=ends.year + RETENTION_YEARS)
    march = datetime.date(2019, 3, 1)
    assert detach_refusals(march, kept_until - datetime.timedelta(days=1)) == [
        f"2019-03 is kept until {kept_until.isoformat()} ({RETENTION_YEARS} years after it ended)."
    ]
    assert detach_refusals(march, kept_until) == []


def test_a_month_with_an_unpaid_debt_or_an_older_month_left_is_not_detached(settled_and_open):
    today = datetime.date(2026, 12, 1)
    with pytest.raises(PartitionRefused) as refused:
        month_detach(datetime.date(2019, 4, 1), today=today)
    assert refused.value.reasons == [
        "Detach the oldest month first: 2019-03 is still in the ledger.",
        "1 posting(s) of 2019-04 are not settled: debts not paid or credits not applied.",
    ]
    with pytest.raises(CommandError, match="2019-04 may not be detached"):
        call_command("detach_postings_month", "2019-04", "--check")
    assert datetime.date(2019, 4, 1) in attached()
    assert not ArchivedPostings.objects.exists()


def test_a_stray_older_posting_in_the_default_keeps_the_month(settled_and_open):
    charge(settled_and_open, "1.00", at(2018, 7, 1))  # no partition for 2018: the default
    assert detach_refusals(datetime.date(2019, 3, 1), datetime.date(2026, 12, 1)) == [
        "1 posting(s) of 2019-03 or earlier are in the default partition."
    ]


def test_a_settled_month_past_retention_is_detached_and_the_ledger_still_adds_up(
    settled_and_open, capsys
):
    account = settled_and_open
    with time_machine.travel(at(2026, 12, 1), tick=False):
        call_command("detach_postings_month", "2019-03")
    out = capsys.readouterr().out
    assert "2019-03 detached: 2 postings of 1 accounts" in out
    assert "financial_posting_archived_2019_03" in out
    assert datetime.date(2019, 3, 1) not in attached()
    assert list(
        Posting.objects.filter(program_account=account).values_list("amount", flat=True)
    ) == [D("25.00")]
    archived = ArchivedPostings.objects.get(program_account=account)
    assert (archived.month, archived.postings, archived.amount) == (
        datetime.date(2019, 3, 1),
        2,
        D("0.00"),
    )
    assert AccountBalance.objects.get(program_account=account).balance == D("25.00")
    assert ledger_mismatches() == []
    call_command("check_ledger")
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM financial_posting_archived_2019_03")
        assert cursor.fetchone() == (2,)
    # The month is gone from the ledger: the next one may follow once its debt is paid.
    payment(account, "25.00", at(2019, 4, 28))
    assert detach_refusals(datetime.date(2019, 4, 1), datetime.date(2026, 12, 1)) == []
