"""The RPP annual review (docs/rules.md §7): every October 20, each RPP program account's
highest monthly accounts receivable over October 20 of last year to October 19 sets the
security required from January 15.

The monthly totals come from one grouped query per chunk of accounts, and the chunk's
reviews and notifications are written one statement each (the rules applied in Python,
from security.rules); chunks run as a Celery chord (security/tasks.py) so that more
workers finish sooner, or one after the other in the calling process. One review per
account and year (a unique constraint), so a re-run or a redelivered chunk changes
nothing, and each notification has its own dedupe key, so none is ever sent twice.
"""

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from accounts.selectors import employees_of_accounts
from carm.db import replica_read
from carm.jobs import chunks_of
from carm.sql import array_literal
from financial.calculation import ZERO
from notifications.kinds import Kind
from notifications.services import Notice, notifications_send
from security.models import ReductionRequest, ReviewRun, RppReview
from security.rules import effective_date, required_security
from security.selectors import (
    NEW_IMPORTER,
    Requirement,
    highest_months,
    reduced_cash,
    rpp_accounts,
)

logger = logging.getLogger(__name__)

CHUNK = 2000  # accounts per task: ~0.2 s each here, 25 tasks for 50,000 accounts

# What the review needs of each account besides its months, for the accounts not yet
# reviewed this year: its number, its last review and the last reduction approved.
ACCOUNT_FACTS = """
SELECT account.id, account.bn15, last.required_bond, last.required_cash, last.created_at,
       reduction.amount, reduction.decided_at
FROM accounts_programaccount AS account
LEFT JOIN (
  SELECT DISTINCT ON (program_account_id)
         program_account_id, required_bond, required_cash, created_at
  FROM security_rppreview
  WHERE program_account_id = ANY(%(accounts)s::bigint[]) AND year < %(year)s
  ORDER BY program_account_id, year DESC
) AS last ON last.program_account_id = account.id
LEFT JOIN (
  SELECT DISTINCT ON (program_account_id) program_account_id, amount, decided_at
  FROM security_reductionrequest
  WHERE program_account_id = ANY(%(accounts)s::bigint[]) AND status = %(approved)s
  ORDER BY program_account_id, decided_at DESC
) AS reduction ON reduction.program_account_id = account.id
WHERE account.id = ANY(%(accounts)s::bigint[])
  AND NOT EXISTS (
    SELECT FROM security_rppreview
    WHERE program_account_id = account.id AND year = %(year)s
  )
ORDER BY account.id
"""


class Account(NamedTuple):
    pk: int
    bn15: str
    previous: Requirement


def accounts_to_review(ids: list[int], year: int) -> list[Account]:
    """The accounts of `ids` not yet reviewed for `year`, each with the requirement it had
    before: its last review's (or the new importer's minimum), lowered by a reduction
    approved since."""
    with connection.cursor() as cursor:
        cursor.execute(
            ACCOUNT_FACTS,
            {
                "accounts": array_literal(ids),
                "year": year,
                "approved": ReductionRequest.Status.APPROVED,
            },
        )
        rows = cursor.fetchall()
    accounts = []
    for pk, bn15, bond, cash, reviewed_at, reduced_to, reduced_at in rows:
        previous = NEW_IMPORTER if reviewed_at is None else Requirement(bond, cash)
        if reduced_at is not None and (reviewed_at is None or reduced_at > reviewed_at):
            previous = Requirement(reduced_to, reduced_cash(previous, reduced_to))
        accounts.append(Account(pk, bn15, previous))
    return accounts


class Reviewed(NamedTuple):
    """What the notification of a review says."""

    program_account_id: int
    bn15: str
    year: int
    previous_bond: Decimal
    required_bond: Decimal
    effective_date: datetime.date
    increased: bool


# The chunk's reviews in one statement; an account reviewed meanwhile (a chunk
# redelivered while the first delivery still ran) is skipped by the unique constraint.
REVIEWS_INSERT = """
INSERT INTO security_rppreview
       (program_account_id, year, highest_month, highest_amount, required_bond,
        required_cash, previous_bond, previous_cash, increased, effective_date, run_id,
        created_at)
SELECT account, %(year)s, month, amount, bond, cash, previous_bond, previous_cash,
       increased, %(effective_date)s, %(run)s, %(now)s
FROM unnest(%(accounts)s::bigint[], %(months)s::date[], %(amounts)s::numeric[],
            %(bonds)s::numeric[], %(cash)s::numeric[], %(previous_bonds)s::numeric[],
            %(previous_cash)s::numeric[], %(increased)s::boolean[])
     AS review(account, month, amount, bond, cash, previous_bond, previous_cash, increased)
ON CONFLICT (program_account_id, year) DO NOTHING
RETURNING program_account_id
"""
REVIEW_COLUMNS = (
    "accounts",
    "months",
    "amounts",
    "bonds",
    "cash",
    "previous_bonds",
    "previous_cash",
    "increased",
)


@transaction.atomic
def review_chunk(*, year: int, ids: list[int], run_id: int | None = None) -> int:
    """Review these accounts for `year`; returns how many reviews were created now."""
    accounts = accounts_to_review(ids, year)
    created = reviews_insert(accounts, year, run_id) if accounts else []
    annual_review_notify([review for review in created if review.increased])
    if run_id is not None:
        # A chunk redelivered after it committed counts once more; the cap keeps the
        # progress an officer watches within the run.
        ReviewRun.objects.filter(pk=run_id, chunks_done__lt=F("chunks")).update(
            chunks_done=F("chunks_done") + 1
        )
    return len(created)


def reviews_insert(accounts: list[Account], year: int, run_id: int | None) -> list[Reviewed]:
    """Review the accounts (their highest month from SQL, the rules of security.rules) and
    insert the reviews at once; returns those inserted now."""
    # The heaviest read of the review, on the replica when there is one (carm/db.py): that
    # is the review run as many seconds earlier as the replica lags, the window closed
    # hours before the scheduled run (docs/scaling.md).
    ids = [account.pk for account in accounts]
    highest = replica_read(lambda: highest_months(ids, year))
    rows = []
    for pk, _, before in accounts:
        month, amount = highest.get(pk, (None, ZERO))
        bond, cash = required_security(amount)
        rows.append((pk, month, amount, bond, cash, before.bond, before.cash, bond > before.bond))
    effective = effective_date(year)
    with connection.cursor() as cursor:
        cursor.execute(
            REVIEWS_INSERT,
            {
                "year": year,
                "effective_date": effective,
                "run": run_id,
                "now": timezone.now(),
                **dict(
                    zip(REVIEW_COLUMNS, map(array_literal, zip(*rows, strict=True)), strict=True)
                ),
            },
        )
        inserted = {pk for (pk,) in cursor.fetchall()}
    return [
        Reviewed(pk, account.bn15, year, before_bond, bond, effective, increased)
        for account, (pk, _, _, bond, _, before_bond, _, increased) in zip(
            accounts, rows, strict=True
        )
        if pk in inserted
    ]


def annual_review_notify(reviews: Sequence[Reviewed]) -> int:
    """ "RPP – Annual Review" to the importer's BAMs and the employees whose scope has the
    account, for each review that raised the requirement; once each, whatever the
    re-runs."""
    if not reviews:
        return 0
    readers = employees_of_accounts(review.program_account_id for review in reviews)
    notices = []
    for review in reviews:
        if not readers[review.program_account_id]:
            continue
        context = {
            "account": review.bn15,
            "previous": str(review.previous_bond),
            "required": str(review.required_bond),
            "effective_date": review.effective_date.isoformat(),
        }
        notices += [
            Notice(
                recipient=user,
                dedupe_key=f"rpp-review:{review.bn15}:{review.year}",
                context=context,
                route="financial_security",
                route_args=[review.bn15],
            )
            for user in readers[review.program_account_id]
        ]
    return notifications_send(kind=Kind.RPP_ANNUAL_REVIEW, notices=notices)


@dataclass(frozen=True)
class ReviewSummary:
    year: int
    accounts: int
    increased: int
    created: int
    seconds: float

    def __str__(self) -> str:
        return (
            f"rpp_annual_review {self.year}: {self.accounts} accounts reviewed, "
            f"{self.increased} increased, {self.created} new, in {self.seconds:.1f} s."
        )


def review_run_start(
    *, year: int, started_by_id: int | None = None, chunk_size: int | None = None
) -> tuple[ReviewRun, list[list[int]]]:
    """A new run of the year's review over every RPP account, in chunks."""
    ids = list(rpp_accounts().order_by("pk").values_list("pk", flat=True))
    chunks = chunks_of(ids, chunk_size or CHUNK)
    run = ReviewRun.objects.create(year=year, chunks=len(chunks), started_by_id=started_by_id)
    return run, chunks


def review_run_finish(*, run_id: int) -> ReviewSummary:
    """Record the run's summary: accounts reviewed for the year, how many increased."""
    run = ReviewRun.objects.get(pk=run_id)
    counts = RppReview.objects.filter(year=run.year).aggregate(
        accounts=Count("pk"),
        increased=Count("pk", filter=Q(increased=True)),
        created=Count("pk", filter=Q(run=run)),
    )
    run.accounts, run.increased = counts["accounts"], counts["increased"]
    run.finished_at = timezone.now()
    run.save(update_fields=["accounts", "increased", "finished_at"])
    created = counts["created"]
    summary = ReviewSummary(
        run.year, run.accounts, run.increased, created, run.duration.total_seconds()
    )
    logger.info(str(summary))
    return summary


def annual_review(
    *, year: int, started_by_id: int | None = None, chunk_size: int | None = None
) -> ReviewSummary:
    """The whole review in this process, chunk after chunk."""
    run, chunks = review_run_start(year=year, started_by_id=started_by_id, chunk_size=chunk_size)
    for ids in chunks:
        review_chunk(year=year, ids=ids, run_id=run.pk)
    return review_run_finish(run_id=run.pk)
