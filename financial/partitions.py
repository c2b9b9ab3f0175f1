"""Postings partitioned by the month they were posted, Toronto time (docs/scaling.md).

Each month is a partition of the postings table named financial_posting_YYYY_MM, from the
month's first moment in Toronto to the next month's; a default partition takes any posting
no month's partition does, so a posting is never refused. A daily job adds the months ahead
of time; adding a month whose postings already went to the default moves them into it.

A month older than the retention period can be detached from the ledger once nothing in it
is still open: the ledger keeps what each account's postings in it added up to
(ArchivedPostings), so an account's balance is still the sum of its postings, and the
detached table stays in the database, renamed, for the operator to archive and drop.
"""

import datetime
import re
from dataclasses import dataclass

import pgtrigger
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from financial.calendar import month_after, start_of
from financial.models import ArchivedPostings, Posting

PARENT = Posting._meta.db_table
DEFAULT = f"{PARENT}_default"
MONTHS_AHEAD = 3
# A month is kept at least as long as importers must keep their records of it: six years
# (Customs Act s. 40(1); Imported Goods Records Regulations).
RETENTION_YEARS = 6
APPEND_ONLY = "financial.Posting:posting_append_only"
_NAME = re.compile(rf"^{PARENT}_(\d{{4}})_(\d{{2}})$")
# One change of the partitions at a time: adding months, moving rows, detaching.
_LOCK = "SELECT pg_advisory_xact_lock(hashtext('financial_posting partitions'))"


class PartitionRefused(Exception):
    """A month that may not be detached, with every reason why."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class Detached:
    month: datetime.date
    table: str
    postings: int
    accounts: int


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    return datetime.date(*month_after(month), 1)


def bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The month's first moment in Toronto and the next month's."""
    return start_of(month_of(month)), start_of(next_month(month))


def partition_name(month: datetime.date) -> str:
    return f"{PARENT}_{month:%Y_%m}"


def archive_name(month: datetime.date) -> str:
    return f"{PARENT}_archived_{month:%Y_%m}"


def attached() -> dict[datetime.date, str]:
    """The months with a partition of their own, oldest first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = %s::regclass",
            [PARENT],
        )
        names = [row[0] for row in cursor.fetchall()]
    months = {}
    for name in names:
        if match := _NAME.match(name):
            months[datetime.date(int(match[1]), int(match[2]), 1)] = name
    return dict(sorted(months.items()))


def months_ensure(first: datetime.date, last: datetime.date) -> list[str]:
    """Give every month from `first` to `last` its partition; returns those it added.
    Postings of such a month already in the default partition move into it."""
    added = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_LOCK)
        have = attached()
        month = month_of(first)
        while month <= last:
            if month not in have:
                _add(cursor, month)
                added.append(partition_name(month))
            month = next_month(month)
    return added


# The statements that change the partitions. Their table names are this module's own.
# Writes wait (reads go on) while rows are checked, counted or moved.
_FREEZE = "LOCK TABLE {name} IN EXCLUSIVE MODE"
_CREATE = "CREATE TABLE {name} (LIKE {parent} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
_IN_MONTH = "FROM {default} WHERE posted_at >= %s AND posted_at < %s"
_COPY = "INSERT INTO {name} SELECT * " + _IN_MONTH
_REMOVE = "DELETE " + _IN_MONTH
_ATTACH = "ALTER TABLE {parent} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)"
_DETACH = "ALTER TABLE {parent} DETACH PARTITION {name}"
_RENAME = "ALTER TABLE {name} RENAME TO {table}"
_STRAY = "SELECT COUNT(*) FROM {default} WHERE posted_at < %s"


def _add(cursor, month: datetime.date) -> None:
    tables = {"name": partition_name(month), "parent": PARENT, "default": DEFAULT}
    lower, upper = bounds(month)
    cursor.execute(_FREEZE.format(name=DEFAULT))
    cursor.execute(_CREATE.format(**tables))
    cursor.execute(_COPY.format(**tables), [lower, upper])
    if cursor.rowcount:
        # The rows are the same postings, moved: the append-only rule is not at stake.
        with pgtrigger.ignore(APPEND_ONLY):
            cursor.execute(_REMOVE.format(**tables), [lower, upper])
    cursor.execute(_ATTACH.format(**tables), [lower, upper])


def months_ahead(today: datetime.date | None = None) -> list[str]:
    """The daily job: partitions from this month to MONTHS_AHEAD months ahead."""
    month = month_of(today or timezone.localdate())
    last = month
    for _ in range(MONTHS_AHEAD):
        last = next_month(last)
    return months_ensure(month, last)


def retained_until(month: datetime.date) -> datetime.date:
    """The first day the month may leave the ledger: RETENTION_YEARS after it ended."""
    end = next_month(month)
    return end.replace(year=end.year + RETENTION_YEARS)


# The month's postings not wholly allocated: debts not paid, credits not applied
# (financial/allocations.py).
_OPEN = """
SELECT COUNT(*) FROM {table} p
WHERE ABS(p.amount) > CASE WHEN p.amount > 0
  THEN COALESCE((SELECT SUM(a.amount) FROM financial_allocation a WHERE a.debit_id = p.id), 0)
  ELSE COALESCE((SELECT SUM(a.amount) FROM financial_allocation a WHERE a.credit_id = p.id), 0)
END
"""


def detach_refusals(month: datetime.date, today: datetime.date) -> list[str]:
    """Why the month may not leave the ledger today; none when it may."""
    month = month_of(month)
    have = attached()
    if month not in have:
        return [f"{month:%Y-%m} has no partition of its own."]
    reasons = []
    if today < retained_until(month):
        reasons.append(
            f"{month:%Y-%m} is kept until {retained_until(month).isoformat()}"
            f" ({RETENTION_YEARS} years after it ended)."
        )
    if earlier := [m for m in have if m < month]:
        reasons.append(f"Detach the oldest month first: {earlier[0]:%Y-%m} is still in the ledger.")
    _, upper = bounds(month)
    with connection.cursor() as cursor:
        cursor.execute(_STRAY.format(default=DEFAULT), [upper])
        (stray,) = cursor.fetchone()
        cursor.execute(_OPEN.format(table=have[month]))
        (still_open,) = cursor.fetchone()
    if stray:
        reasons.append(
            f"{stray} posting(s) of {month:%Y-%m} or earlier are in the default partition."
        )
    if still_open:
        reasons.append(
            f"{still_open} posting(s) of {month:%Y-%m} are not settled:"
            " debts not paid or credits not applied."
        )
    return reasons


def month_detach(month: datetime.date, *, today: datetime.date | None = None) -> Detached:
    """Take the month's partition out of the ledger, keeping each account's total of it."""
    month = month_of(month)
    today = today or timezone.localdate()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_LOCK)
        if month in attached():
            cursor.execute(_FREEZE.format(name=partition_name(month)))
        if reasons := detach_refusals(month, today):
            raise PartitionRefused(reasons)
        lower, upper = bounds(month)
        totals = (
            Posting.objects.filter(posted_at__gte=lower, posted_at__lt=upper)
            .values("program_account")
            .annotate(postings=Count("id"), amount=Sum("amount"))
            .order_by("program_account")
        )
        archived = ArchivedPostings.objects.bulk_create(
            ArchivedPostings(
                program_account_id=row["program_account"],
                month=month,
                postings=row["postings"],
                amount=row["amount"],
            )
            for row in totals
        )
        name, table = partition_name(month), archive_name(month)
        cursor.execute(_DETACH.format(parent=PARENT, name=name))
        cursor.execute(_RENAME.format(name=name, table=table))
        return Detached(
            month=month,
            table=table,
            postings=sum(row.postings for row in archived),
            accounts=len(archived),
        )
