"""Interest on overdue amounts and arrears notices. docs/rules.md §6.

Each day, an account whose last overdue statement is not paid off accrues one day of
interest at the specified rate (the quarter's prescribed rate + 6 points, per year),
compounded daily: the day's base includes the interest accrued since that statement and
not yet posted. Accruals keep six decimals; the next statement posts their sum, rounded
to the cent (financial/statements.py). One accrual per account and day (a unique
constraint), so the job is idempotent per day.

An amount is overdue by the statement it was billed on: a statement's total payable less
every credit (payment, offset, downward correction) posted after its period.
"""

import datetime
import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction

from accounts.models import ProgramAccount
from accounts.selectors import bams_of
from financial.calendar import start_of
from financial.models import InterestAccrual, PrescribedRate
from notifications.kinds import Kind
from notifications.services import Notice, notifications_send

logger = logging.getLogger(__name__)

SPECIFIED_RATE_MARGIN = Decimal("6")  # percentage points over the prescribed rate
DAYS_IN_YEAR = Decimal("365")
ACCRUAL_PLACES = Decimal("0.000001")
ARREARS_AFTER_DAYS = 30

# For each account, the latest statement due before the cut-off date, and what remains of
# it: its total payable less the credits posted since its period ended, plus (for interest)
# what accrued since then and has not posted yet.
OVERDUE = """
WITH latest AS (
  SELECT DISTINCT ON (program_account_id)
         id, program_account_id, period_end, due_date, total_payable
  FROM financial_statement
  WHERE due_date < %(cutoff)s
  ORDER BY program_account_id, due_date DESC
)
SELECT latest.id, latest.program_account_id,
  latest.total_payable
  + COALESCE((
      SELECT SUM(p.amount) FROM financial_posting p
      WHERE p.program_account_id = latest.program_account_id AND p.amount < 0
        AND p.posted_at >= ((latest.period_end + 1)::timestamp AT TIME ZONE 'America/Toronto')
        AND p.posted_at < %(until)s
    ), 0) AS remaining,
  COALESCE((
      SELECT SUM(a.amount) FROM financial_interestaccrual a
      WHERE a.program_account_id = latest.program_account_id
        AND a.day > latest.period_end AND a.day < %(day)s
    ), 0) AS accrued
FROM latest
"""


def specified_rate(day: datetime.date) -> Decimal | None:
    """The annual specified rate in percent for `day`: the prescribed rate of its quarter
    (or, until an officer sets it, of the latest quarter before) + 6 points."""
    prescribed = (
        PrescribedRate.objects.filter(quarter_start__lte=day)
        .order_by("-quarter_start")
        .values_list("rate", flat=True)
        .first()
    )
    return None if prescribed is None else prescribed + SPECIFIED_RATE_MARGIN


def daily_interest(base: Decimal, annual_rate_percent: Decimal) -> Decimal:
    return (base * annual_rate_percent / 100 / DAYS_IN_YEAR).quantize(ACCRUAL_PLACES, ROUND_HALF_UP)


def _overdue(cutoff: datetime.date, day: datetime.date):
    with connection.cursor() as cursor:
        cursor.execute(
            OVERDUE,
            {"cutoff": cutoff, "day": day, "until": start_of(day + datetime.timedelta(days=1))},
        )
        return cursor.fetchall()


@dataclass(frozen=True)
class AccrualSummary:
    day: datetime.date
    accrued: int
    already: int
    arrears_notices: int
    rate: Decimal | None

    def __str__(self) -> str:
        if self.rate is None:
            return f"accrue_interest {self.day}: no prescribed rate set; nothing accrued."
        return (
            f"accrue_interest {self.day}: {self.accrued} accounts accrued at {self.rate} %, "
            f"{self.already} already done, {self.arrears_notices} arrears notices."
        )


@transaction.atomic
def interest_accrue(*, day: datetime.date, at: datetime.datetime | None = None) -> AccrualSummary:
    """Accrue `day`'s interest on every overdue account, and send the arrears notices (`at`
    that moment: now, unless history is written at its own date)."""
    rate = specified_rate(day)
    accrued = already = 0
    if rate is None:
        logger.warning("accrue_interest %s: no prescribed rate is set.", day)
    else:
        done = set(
            InterestAccrual.objects.filter(day=day).values_list("program_account_id", flat=True)
        )
        accruals = []
        for _statement, account_id, remaining, unposted in _overdue(day, day):
            if remaining <= 0:
                continue
            if account_id in done:
                already += 1
                continue
            base = remaining + unposted
            amount = daily_interest(base, rate)
            if amount > 0:
                accruals.append(
                    InterestAccrual(
                        program_account_id=account_id,
                        day=day,
                        overdue=remaining,
                        annual_rate=rate,
                        amount=amount,
                    )
                )
        accrued = len(InterestAccrual.objects.bulk_create(accruals, ignore_conflicts=True))
    notices = _arrears_notices(day, at)
    summary = AccrualSummary(day, accrued, already, notices, rate)
    logger.info(str(summary))
    return summary


def _arrears_notices(day: datetime.date, at: datetime.datetime | None) -> int:
    """Tell the importer's BAMs once per statement when what it billed is still unpaid 30
    days after its due date."""
    cutoff = day - datetime.timedelta(days=ARREARS_AFTER_DAYS - 1)
    overdue = {
        account_id: (statement_id, remaining)
        for statement_id, account_id, remaining, _ in _overdue(cutoff, day)
        if remaining > 0
    }
    if not overdue:
        return 0
    accounts = ProgramAccount.objects.in_bulk(list(overdue))
    bams = bams_of({account.business_id for account in accounts.values()})
    return notifications_send(
        kind=Kind.ARREARS_NOTICE,
        notices=[
            Notice(
                recipient=bam,
                dedupe_key=f"arrears:{statement_id}",
                context={"amount": str(remaining), "account": accounts[pk].bn15},
            )
            for pk, (statement_id, remaining) in overdue.items()
            for bam in bams[accounts[pk].business_id]
        ],
        at=at,
    )
