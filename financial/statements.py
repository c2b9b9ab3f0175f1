"""Statements of Account: issued once per program account and billing period. docs/rules.md §6.

For a period ending P (a 17th), every account with a ledger gets one statement dated the
25th: interest accrued on the period's days posts first (line E), then lines A–H and the
revenue split are read from the postings in one grouped query per chunk of accounts. A
statement already issued is never issued again, so a re-run or a redelivered task changes
nothing.
"""

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import ProgramAccount
from accounts.selectors import employees_of_accounts
from financial.calculation import ZERO, to_cents
from financial.calendar import billing_period, payment_due_date, start_of, statement_date
from financial.models import REVENUE_SPLIT, AccountBalance, InterestAccrual, Posting, Statement
from financial.services import posting_create
from notifications.kinds import Kind
from notifications.services import Notice, notifications_send

logger = logging.getLogger(__name__)

CHUNK = 1000

LINE_COLUMNS = tuple(name for _, name in Statement.LINES[:-1])  # A–G; H is their sum
REVENUE_COLUMNS = Statement.REVENUE
INVOICE_COLUMNS = tuple(name for name, _line in Statement.INVOICES)
COLUMNS = (*LINE_COLUMNS, *REVENUE_COLUMNS, *INVOICE_COLUMNS)  # PERIOD_TOTALS' order

# One row per account: the previous balance (unless the previous statement gives it), the
# period's lines, its revenue split and its invoices. Signs follow the statement: payments
# and credits are shown as positive amounts that H subtracts; a payment the bank returned
# takes its amount off line C. Invoices are current-period
# charges (F) and their cancellations credits (G), and also a group of their own.
PERIOD_TOTALS = """
SELECT program_account_id,
  COALESCE(SUM(amount) FILTER (WHERE posted_at < %(start)s), 0),
  COALESCE(SUM(amount) FILTER (WHERE {in_period} AND kind = ANY(%(revisions)s)), 0),
  COALESCE(-SUM(amount) FILTER (WHERE {in_period} AND kind = ANY(%(payments)s)), 0),
  COALESCE(SUM(amount) FILTER (WHERE {in_period} AND kind = %(refund)s), 0),
  COALESCE(SUM(amount) FILTER (WHERE {in_period} AND kind IN (%(interest)s, %(penalty)s)), 0),
  COALESCE(SUM(amount) FILTER (WHERE {in_period} AND kind = ANY(%(charges)s)), 0),
  COALESCE(-SUM(amount) FILTER (WHERE {in_period} AND kind = ANY(%(credits)s)), 0),
  {split},
  COALESCE(SUM(amount) FILTER (WHERE {in_period} AND kind = %(interest)s), 0),
  COALESCE(SUM(amount) FILTER (WHERE {in_period} AND kind = %(penalty)s), 0),
  COALESCE(SUM(amount) FILTER (WHERE {in_period} AND kind = %(invoice)s), 0),
  COALESCE(-SUM(amount) FILTER (WHERE {in_period} AND kind = %(invoice_cancellation)s), 0)
FROM financial_posting
WHERE program_account_id = ANY(%(accounts)s) AND posted_at >= %(lower)s AND posted_at < %(end)s
GROUP BY program_account_id
""".format(
    in_period="posted_at >= %(start)s",
    split=",\n  ".join(
        f"COALESCE(SUM({column}) FILTER (WHERE posted_at >= %(start)s"
        " AND kind = ANY(%(declaration_kinds)s)), 0)"
        for column in REVENUE_SPLIT
    ),
)
KINDS = {
    **{kind.value: kind.value for kind in Posting.Kind},
    "revisions": list(Posting.REVISION_KINDS),
    "declaration_kinds": list(Posting.DECLARATION_KINDS),
    "charges": list(Posting.STATEMENT_CHARGE_KINDS),
    "credits": list(Posting.STATEMENT_CREDIT_KINDS),
    "payments": list(Posting.PAYMENT_KINDS),
}


def last_period_end(today: datetime.date) -> datetime.date:
    """The end of the last billing period that has closed by `today`."""
    start, _ = billing_period(today)
    return start - datetime.timedelta(days=1)


@dataclass(frozen=True)
class IssueSummary:
    period_end: datetime.date
    issued: int
    already: int
    interest_posted: Decimal

    def __str__(self) -> str:
        return (
            f"issue_statements {self.period_end}: {self.issued} issued, {self.already} "
            f"already issued, ${self.interest_posted:,.2f} interest posted."
        )


def statements_issue(
    *,
    period_end: datetime.date,
    accounts: Iterable[int] | None = None,
    at: datetime.datetime | None = None,
) -> IssueSummary:
    """Issue the period's statement for every account that has a ledger (or `accounts`),
    `at` that moment (now, unless history is written at its own date)."""
    at = at or timezone.now()
    statement_date(period_end)  # a period ends on the 17th: refuse anything else
    # Every account with a ledger; those with nothing before the period's end are skipped
    # by the chunk's own query.
    candidates = AccountBalance.objects.all()
    if accounts is not None:
        candidates = candidates.filter(program_account_id__in=list(accounts))
    ids = sorted(candidates.values_list("program_account_id", flat=True))
    issued = already = 0
    interest = ZERO
    for offset in range(0, len(ids), CHUNK):
        chunk_issued, chunk_already, chunk_interest = _issue_chunk(
            period_end, ids[offset : offset + CHUNK], at
        )
        issued, already = issued + chunk_issued, already + chunk_already
        interest += chunk_interest
    summary = IssueSummary(period_end, issued, already, interest)
    logger.info(str(summary))
    return summary


@transaction.atomic
def _issue_chunk(
    period_end: datetime.date, ids: list[int], at: datetime.datetime
) -> tuple[int, int, Decimal]:
    start, _ = billing_period(period_end)
    end = start_of(period_end + datetime.timedelta(days=1))
    # The chunk's balance rows, locked in account order (financial/locks.py): a second run
    # of the same period (a redelivered task, a command beside the schedule) waits here and
    # then finds the statements issued, instead of posting their interest again.
    list(
        AccountBalance.objects.select_for_update()
        .filter(program_account_id__in=ids)
        .order_by("program_account_id")
        .values_list("pk", flat=True)
    )
    done = set(
        Statement.objects.filter(period_end=period_end, program_account_id__in=ids).values_list(
            "program_account_id", flat=True
        )
    )
    todo = [pk for pk in ids if pk not in done]
    if not todo:
        return 0, len(done), ZERO
    interest = _post_interest(todo, start, period_end, end)
    previous = dict(
        Statement.objects.filter(
            program_account_id__in=todo, period_end=start - datetime.timedelta(days=1)
        ).values_list("program_account_id", "total_payable")
    )
    rows = _period_totals([pk for pk in todo if pk in previous], start_of(start), end, start)
    rows |= _period_totals([pk for pk in todo if pk not in previous], None, end, start)
    statements = []
    for pk in todo:
        row = rows.get(pk)
        if row is None and not previous.get(pk):
            continue  # nothing owed and nothing happened: no statement
        values = row or dict.fromkeys(COLUMNS, ZERO)
        if pk in previous:
            values["previous_balance"] = previous[pk]
        statements.append(_statement(pk, start, period_end, values, at))
    Statement.objects.bulk_create(statements, ignore_conflicts=True)
    _notify(statements, at)
    return len(statements), len(done), interest


def _period_totals(ids, lower, end, start) -> dict[int, dict]:
    if not ids:
        return {}
    lower = lower or datetime.datetime(1, 1, 2, tzinfo=datetime.UTC)
    with connection.cursor() as cursor:
        cursor.execute(
            PERIOD_TOTALS,
            {"accounts": ids, "lower": lower, "start": start_of(start), "end": end, **KINDS},
        )
        return {row[0]: dict(zip(COLUMNS, row[1:], strict=True)) for row in cursor.fetchall()}


def _statement(pk: int, start, period_end, values: dict, at: datetime.datetime) -> Statement:
    v = values
    total = (
        v["previous_balance"]
        + v["corrections"]
        - v["payments"]
        + v["disbursements"]
        + v["interest_and_penalties"]
        + v["charges"]
        - v["credits"]
    )
    return Statement(
        program_account_id=pk,
        period_start=start,
        period_end=period_end,
        statement_date=statement_date(period_end),
        due_date=payment_due_date(period_end),
        total_payable=total,
        issued_at=at,
        **v,
    )


def _post_interest(ids, start, period_end, end) -> Decimal:
    """Post, dated at the period's last moment, the interest accrued on its days."""
    accrued = (
        InterestAccrual.objects.filter(program_account_id__in=ids, day__range=(start, period_end))
        .values("program_account_id")
        .annotate(total=Sum("amount"))
    )
    posted = ZERO
    accounts = ProgramAccount.objects.in_bulk([row["program_account_id"] for row in accrued])
    for row in accrued:
        amount = to_cents(row["total"])
        if amount <= 0:
            continue
        posting_create(
            program_account=accounts[row["program_account_id"]],
            kind=Posting.Kind.INTEREST,
            amount=amount,
            description=f"Interest {start.isoformat()} – {period_end.isoformat()}",
            posted_at=end - datetime.timedelta(microseconds=1),
        )
        posted += amount
    return posted


def _notify(statements: list[Statement], at: datetime.datetime) -> None:
    readers = employees_of_accounts(s.program_account_id for s in statements)
    told = [s for s in statements if readers[s.program_account_id]]
    bn15 = dict(
        ProgramAccount.objects.filter(pk__in=[s.program_account_id for s in told]).values_list(
            "pk", "bn15"
        )
    )
    notices = []
    for statement in told:
        account = bn15[statement.program_account_id]
        notices += [
            Notice(
                recipient=user,
                dedupe_key=f"statement:{account}:{statement.period_end.isoformat()}",
                context={
                    "account": account,
                    "statement_date": statement.statement_date.isoformat(),
                },
                route="statement",
                route_args=[account, statement.period_end.isoformat()],
            )
            for user in readers[statement.program_account_id]
        ]
    notifications_send(kind=Kind.STATEMENT_AVAILABLE, notices=notices, at=at)


def statement_issue_on(today: datetime.date | None = None) -> IssueSummary:
    """The scheduled job: the statements of the period that closed last."""
    return statements_issue(period_end=last_period_end(today or timezone.localdate()))
