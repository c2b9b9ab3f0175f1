"""Benchmark data: `python manage.py generate_load --accounts N --months M`.

N importers, each a business of its own with one RM program account (half of them on
RPP), about 100 postings a year each, spread over the M months up to midnight this
morning; plus one heavy account (100,000 postings), on which bench/ledger.py measures,
and one light account (100 postings) to compare with. Load businesses use a reserved
range of BN9s (first digit 9) and of transaction numbers (first digit 9), which neither
the demo nor the transaction-number sequence ever reaches.

Each batch of accounts is written in one transaction, postings by COPY, with each
account's balance row equal to the sum and count of its postings; an account that is
already there is skipped, so a re-run, or a run after an interrupted one, only adds what
is missing. The same seed on the same day gives the same data.
"""

import datetime
import io
import random
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.identifiers import is_valid_bn9
from accounts.models import Business, ProgramAccount
from financial.calculation import CENT, GST_RATE, ZERO, line_amounts, to_cents
from financial.calendar import start_of
from financial.models import REVENUE_SPLIT, AccountBalance, Posting
from financial.partitions import months_ensure

HEAVY_SLOT = 900_000
LIGHT_SLOT = 900_001
HEAVY_POSTINGS = 100_000
LIGHT_POSTINGS = 100
POSTINGS_PER_ACCOUNT_YEAR = 100
ACCOUNTS_PER_BATCH = 500
DEFAULT_SEED = 2026

ONE_DOLLAR = Decimal("1.00")
INTEREST_RATE_PER_POSTING = Decimal("0.0075")
# Most goods enter duty-free or at a few percent; a quarter at 0 %.
DUTY_RATES = tuple(
    Decimal(r) for r in ("0", "0", "0.025", "0.045", "0.06", "0.065", "0.08", "0.18")
)
VENDORS = (
    "Shenzhen Bright Electronics Co.",
    "Hamburg Maschinenbau GmbH",
    "Ohio Valley Steel Corp.",
    "Lyon Textiles SA",
    "Osaka Precision Parts KK",
    "Monterrey Auto Components SA de CV",
    "Milano Calzature Srl",
    "Busan Marine Supply Co.",
    "Ho Chi Minh Furniture JSC",
    "Chennai Cotton Mills Ltd.",
)
PAYMENT_METHODS = ("Online banking", "Pre-authorized debit", "Wire transfer", "EDI")
COPY_COLUMNS = (
    "program_account_id",
    "kind",
    "amount",
    "posted_at",
    "transaction_number",
    "filed_by_id",
    "description",
    *REVENUE_SPLIT,
)


def load_bn9(slot: int) -> str:
    """The BN9 of load business number `slot`: 9, the slot on seven digits, a check digit."""
    first_eight = f"9{slot:07d}"
    return next(bn9 for d in "0123456789" if is_valid_bn9(bn9 := first_eight + d))


def load_bn15(slot: int) -> str:
    return f"{load_bn9(slot)}RM0001"


HEAVY_BN15 = load_bn15(HEAVY_SLOT)
LIGHT_BN15 = load_bn15(LIGHT_SLOT)


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` calendar months earlier (the 31st becomes the month's last)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month + 1, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has a 28th")


@dataclass(frozen=True)
class Row:
    kind: str
    amount: Decimal
    posted_at: datetime.datetime
    transaction_number: str = ""
    description: str = ""
    by_importer: bool = True
    duty: Decimal = ZERO
    excise_duty: Decimal = ZERO
    excise_tax: Decimal = ZERO
    sima: Decimal = ZERO
    surtax: Decimal = ZERO
    gst: Decimal = ZERO


def _cents(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randrange(low, high)).scaleb(-2)


def _sometimes(rng: random.Random, per_thousand: int, low: int, high: int) -> Decimal:
    return _cents(rng, low, high) if rng.randrange(1000) < per_thousand else ZERO


def account_rows(
    *, seed: int, slot: int, count: int, start: datetime.datetime, end: datetime.datetime
) -> list[Row]:
    """The postings of one load account, oldest first: charges with their revenue split,
    payments of part of what is owed, corrections of earlier charges (up or down) and some
    interest. Depends only on its arguments."""
    rng = random.Random(f"carm-load:{seed}:{slot}")  # noqa: S311 - benchmark data, not secrets
    span = int((end - start) / datetime.timedelta(microseconds=1))
    moments = sorted(
        start + datetime.timedelta(microseconds=rng.randrange(span)) for _ in range(count)
    )
    rows: list[Row] = []
    charges: list[Row] = []
    balance = ZERO
    for moment in moments:
        roll = rng.randrange(1000)
        if roll < 20 and balance >= ONE_DOLLAR:
            amount = max(to_cents(balance * INTEREST_RATE_PER_POSTING), CENT)
            row = Row(
                "interest",
                amount,
                moment,
                description="Interest on overdue amounts",
                by_importer=False,
            )
        elif roll < 60 and charges and (correction := _correction(rng, charges, moment)):
            row = correction
        elif roll < 240 and balance >= ONE_DOLLAR:
            paid = (balance * rng.randrange(30, 101) / 100).quantize(CENT, ROUND_DOWN)
            row = Row("payment", -paid, moment, description=rng.choice(PAYMENT_METHODS))
        else:
            row = _charge(rng, f"9{slot:07d}{len(charges) + 1:06d}", moment)
            charges.append(row)
        rows.append(row)
        balance += row.amount
    return rows


def _charge(rng: random.Random, transaction_number: str, moment: datetime.datetime) -> Row:
    other = {
        "excise_duty": _sometimes(rng, 30, 1_000, 200_000),
        "excise_tax": _sometimes(rng, 30, 1_000, 100_000),
        "sima": _sometimes(rng, 10, 10_000, 500_000),
        "surtax": _sometimes(rng, 10, 5_000, 300_000),
    }
    amounts = line_amounts(
        value_for_duty=_cents(rng, 5_000, 5_000_000),
        duty_rate=rng.choice(DUTY_RATES),
        gst_rate=GST_RATE,
        **other,
    )
    return Row(
        "charge",
        amounts["total"],
        moment,
        transaction_number=transaction_number,
        description=rng.choice(VENDORS),
        duty=amounts["duty"],
        gst=amounts["gst"],
        **other,
    )


def _correction(rng: random.Random, charges: list[Row], moment: datetime.datetime) -> Row | None:
    """The difference a corrected recent declaration posts: duty up or down, and its GST;
    None when there is no difference."""
    charge = rng.choice(charges[-20:])
    duty = to_cents(charge.duty * rng.randrange(-50, 51) / 100)
    gst = to_cents(duty * GST_RATE)
    if not duty + gst:
        return None
    return Row(
        "correction",
        duty + gst,
        moment,
        transaction_number=charge.transaction_number,
        description="Correction v2",
        duty=duty,
        gst=gst,
    )


def _copy_line(row: Row, account_id: int, business_id: int) -> str:
    filed_by = str(business_id) if row.by_importer else r"\N"
    fields = (
        str(account_id),
        row.kind,
        str(row.amount),
        row.posted_at.isoformat(),
        row.transaction_number,
        filed_by,
        row.description,
        *(str(getattr(row, column)) for column in REVENUE_SPLIT),
    )
    return "\t".join(fields) + "\n"


@dataclass(frozen=True)
class Plan:
    slot: int
    postings: int


class Command(BaseCommand):
    help = "Create benchmark data: N importer accounts over M months, a heavy and a light one."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--accounts", type=int, required=True, help="load accounts")
        parser.add_argument("--months", type=int, required=True, help="months of history")
        parser.add_argument(
            "--heavy", type=int, default=HEAVY_POSTINGS, help="postings on the heavy account"
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)

    def handle(self, *args, accounts: int, months: int, heavy: int, seed: int, **options):
        if not 0 <= accounts < HEAVY_SLOT:
            raise CommandError(f"--accounts must be between 0 and {HEAVY_SLOT - 1}.")
        if not 1 <= months <= 600:
            raise CommandError("--months must be between 1 and 600.")
        if heavy < 1:
            raise CommandError("--heavy must be at least 1.")
        today = timezone.localdate()
        end = self._midnight(today)
        start = self._midnight(months_before(today, months))
        mean = max((POSTINGS_PER_ACCOUNT_YEAR * months + 6) // 12, 1)
        # Every month loaded has its partition, as the daily job gives the months ahead.
        months_ensure(months_before(today, months), today)
        plans = [Plan(HEAVY_SLOT, heavy), Plan(LIGHT_SLOT, LIGHT_POSTINGS)]
        plans += [Plan(slot, self._count(seed, slot, mean)) for slot in range(accounts)]
        created_accounts = created_postings = 0
        for first in range(0, len(plans), ACCOUNTS_PER_BATCH):
            batch = plans[first : first + ACCOUNTS_PER_BATCH]
            made, posted = self._write(batch, seed=seed, start=start, end=end)
            created_accounts += made
            created_postings += posted
        if created_accounts:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE financial_posting, financial_accountbalance")
        present = len(plans) - created_accounts
        done = "nothing to do" if not created_accounts else f"{present} already there"
        self.stdout.write(
            f"generate_load: {created_accounts} accounts and {created_postings} postings "
            f"created ({done}); heavy {HEAVY_BN15}, light {LIGHT_BN15}; "
            f"{start:%Y-%m-%d}..{end:%Y-%m-%d}, seed {seed}."
        )

    @staticmethod
    def _midnight(day: datetime.date) -> datetime.datetime:
        """Midnight in Toronto, in UTC: posting times are drawn in UTC, where every day
        has 24 hours."""
        return start_of(day).astimezone(datetime.UTC)

    @staticmethod
    def _count(seed: int, slot: int, mean: int) -> int:
        """Postings of one load account: between half and one and a half times the mean."""
        rng = random.Random(f"carm-load-count:{seed}:{slot}")  # noqa: S311
        return rng.randint(max(mean // 2, 1), mean + mean // 2)

    @transaction.atomic
    def _write(self, batch: list[Plan], *, seed: int, start, end) -> tuple[int, int]:
        wanted = {load_bn9(plan.slot): plan for plan in batch}
        present = set(Business.objects.filter(bn9__in=wanted).values_list("bn9", flat=True))
        todo = [(bn9, plan) for bn9, plan in wanted.items() if bn9 not in present]
        if not todo:
            return 0, 0
        businesses = Business.objects.bulk_create(
            Business(
                bn9=bn9,
                legal_name=self._name(plan.slot),
                city="Toronto",
                province="ON",
                is_importer=True,
            )
            for bn9, plan in todo
        )
        program_accounts = ProgramAccount.objects.bulk_create(
            ProgramAccount(
                business=business,
                bn15=f"{business.bn9}RM0001",
                name=business.legal_name,
                rpp_status=ProgramAccount.RppStatus.ACTIVE
                if plan.slot % 2 == 0
                else ProgramAccount.RppStatus.NOT_ENROLLED,
            )
            for business, (_, plan) in zip(businesses, todo, strict=True)
        )
        lines: list[tuple[datetime.datetime, str]] = []
        balances = []
        for account, (_, plan) in zip(program_accounts, todo, strict=True):
            rows = account_rows(
                seed=seed, slot=plan.slot, count=plan.postings, start=start, end=end
            )
            lines += (
                (row.posted_at, _copy_line(row, account.pk, account.business_id)) for row in rows
            )
            balances.append(
                AccountBalance(
                    program_account=account,
                    balance=sum((row.amount for row in rows), ZERO),
                    postings=len(rows),
                )
            )
        # In time order, as an append-only ledger fills, not account by account.
        lines.sort(key=lambda line: line[0])
        buffer = io.StringIO()
        buffer.writelines(line for _, line in lines)
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY {Posting._meta.db_table} ({', '.join(COPY_COLUMNS)}) FROM STDIN", buffer
            )
        AccountBalance.objects.bulk_create(balances)
        return len(todo), sum(balance.postings for balance in balances)

    @staticmethod
    def _name(slot: int) -> str:
        if slot == HEAVY_SLOT:
            return "Load Heavy Importer Ltd."
        if slot == LIGHT_SLOT:
            return "Load Light Importer Ltd."
        return f"Load Importer {slot:06d} Ltd."
