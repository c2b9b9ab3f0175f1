"""The RPP annual review (domain.md §7): every October 20, each RPP program account's
highest monthly accounts receivable over October 20 of last year to October 19 sets the
security required from January 15.

The monthly totals come from one grouped query per chunk of accounts; chunks run as a
Celery chord (security/tasks.py) so that more workers finish sooner, or one after the
other in the calling process. One review per account and year (a unique constraint), so a
re-run or a redelivered chunk changes nothing, and each notification has its own dedupe
key, so none is ever sent twice.
"""

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import ProgramAccount
from accounts.selectors import employees_of_accounts
from financial.calendar import start_of
from notifications.kinds import Kind
from notifications.services import notification_send
from security.models import ReductionRequest, ReviewRun, RppReview
from security.rules import effective_date, required_security, review_window
from security.selectors import NEW_IMPORTER, Requirement, reduced_cash

logger = logging.getLogger(__name__)

CHUNK = 1000

# Decision (domain.md §7): monthly accounts receivable is the sum of the charges posted in
# one calendar month (Eastern), clipped to the window: declaration charges, positive
# corrections and adjustments, penalties; not payments, not interest.
HIGHEST_MONTHS = """
SELECT DISTINCT ON (program_account_id) program_account_id, month, total
FROM (
  SELECT program_account_id,
         date_trunc('month', posted_at AT TIME ZONE 'America/Toronto')::date AS month,
         SUM(amount) AS total
  FROM financial_posting
  WHERE program_account_id = ANY(%(accounts)s)
    AND posted_at >= %(start)s AND posted_at < %(end)s
    AND (kind IN ('charge', 'penalty')
         OR (kind IN ('correction', 'adjustment') AND amount > 0))
  GROUP BY 1, 2
) AS months
ORDER BY program_account_id, total DESC, month
"""


def highest_months(ids: list[int], year: int) -> dict[int, tuple[datetime.date, Decimal]]:
    """{account id: (first day of its highest month, that month's total)} for the window."""
    start, end = review_window(year)
    with connection.cursor() as cursor:
        cursor.execute(
            HIGHEST_MONTHS,
            {
                "accounts": ids,
                "start": start_of(start),
                "end": start_of(end + datetime.timedelta(days=1)),
            },
        )
        return {account: (month, total) for account, month, total in cursor.fetchall()}


def rpp_accounts():
    return ProgramAccount.objects.filter(rpp_status__in=RPP_STATUSES)


RPP_STATUSES = (ProgramAccount.RppStatus.ACTIVE, ProgramAccount.RppStatus.SUSPENDED)


def chunks_of(ids: list[int], size: int | None = None) -> list[list[int]]:
    size = size or CHUNK
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def previous_requirements(ids: list[int], year: int) -> dict[int, Requirement]:
    """The requirement each account had before this review: its last review's (or the
    new importer's minimum), lowered by a reduction approved since."""
    latest = {
        review.program_account_id: review
        for review in RppReview.objects.filter(program_account_id__in=ids, year__lt=year)
        .order_by("program_account_id", "-year")
        .distinct("program_account_id")
    }
    requirements = {
        pk: Requirement(latest[pk].required_bond, latest[pk].required_cash, latest[pk])
        if pk in latest
        else Requirement(*NEW_IMPORTER)
        for pk in ids
    }
    reductions = (
        ReductionRequest.objects.filter(
            program_account_id__in=ids, status=ReductionRequest.Status.APPROVED
        )
        .order_by("program_account_id", "-decided_at")
        .distinct("program_account_id")
    )
    for reduction in reductions:
        before = requirements[reduction.program_account_id]
        if before.review is None or reduction.decided_at > before.review.created_at:
            requirements[reduction.program_account_id] = Requirement(
                reduction.amount, reduced_cash(before, reduction.amount), before.review, reduction
            )
    return requirements


@transaction.atomic
def review_chunk(*, year: int, ids: list[int], run_id: int | None = None) -> int:
    """Review these accounts for `year`; returns how many reviews were created now."""
    done = set(
        RppReview.objects.filter(program_account_id__in=ids, year=year).values_list(
            "program_account_id", flat=True
        )
    )
    todo = [pk for pk in ids if pk not in done]
    highest = highest_months(todo, year) if todo else {}
    previous = previous_requirements(todo, year) if todo else {}
    reviews = []
    for pk in todo:
        month, amount = highest.get(pk, (None, Decimal("0.00")))
        bond, cash = required_security(amount)
        before = previous[pk]
        reviews.append(
            RppReview(
                program_account_id=pk,
                year=year,
                highest_month=month,
                highest_amount=amount,
                required_bond=bond,
                required_cash=cash,
                previous_bond=before.bond,
                previous_cash=before.cash,
                increased=bond > before.bond,
                effective_date=effective_date(year),
                run_id=run_id,
            )
        )
    created = RppReview.objects.bulk_create(reviews, ignore_conflicts=True)
    annual_review_notify([review for review in reviews if review.increased])
    if run_id is not None:
        # A chunk redelivered after it committed counts once more; the cap keeps the
        # progress an officer watches within the run.
        ReviewRun.objects.filter(pk=run_id, chunks_done__lt=F("chunks")).update(
            chunks_done=F("chunks_done") + 1
        )
    return len(created)


def annual_review_notify(reviews: list[RppReview]) -> int:
    """ "RPP – Annual Review" to the importer's BAMs and the employees whose scope has the
    account, for each review that raised the requirement; once each, whatever the
    re-runs."""
    if not reviews:
        return 0
    readers = employees_of_accounts(review.program_account_id for review in reviews)
    bn15 = dict(ProgramAccount.objects.filter(pk__in=list(readers)).values_list("pk", "bn15"))
    sent = 0
    for review in reviews:
        account = bn15[review.program_account_id]
        for user in readers[review.program_account_id]:
            _, created = notification_send(
                recipient=user,
                kind=Kind.RPP_ANNUAL_REVIEW,
                dedupe_key=f"rpp-review:{account}:{review.year}",
                context={
                    "account": account,
                    "previous": f"${review.previous_bond:,.0f}",
                    "required": f"${review.required_bond:,.0f}",
                    "effective_date": review.effective_date.isoformat(),
                },
                link=f"/program-accounts/{account}/financial-security/",
            )
            sent += created
    return sent


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
    chunks = chunks_of(ids, chunk_size)
    run = ReviewRun.objects.create(year=year, chunks=len(chunks), started_by_id=started_by_id)
    return run, chunks


def review_run_finish(*, run_id: int) -> ReviewSummary:
    """Record the run's summary: accounts reviewed for the year, how many increased."""
    run = ReviewRun.objects.get(pk=run_id)
    reviews = RppReview.objects.filter(year=run.year)
    run.accounts = reviews.count()
    run.increased = reviews.filter(increased=True).count()
    run.finished_at = timezone.now()
    run.save(update_fields=["accounts", "increased", "finished_at"])
    created = RppReview.objects.filter(run=run).count()
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
