"""Thirteen months of demo history for Maple and Prairie, written through the portal's own
services at the dates they happened: declarations (one filed late), payments by the
importer and by its broker (one month paid late, so interest accrues and posts), a
correction, an adjustment an officer approved and one waiting, CBSA invoices (a service
fee paid with its statement, an AMP still to pay), a statement on every 25th.

Each service is told the moment it acts (`at`), so every rule (late filing, correction
deadline, credit-card cycle, interest, statements) runs exactly as it would have that day.
"""

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from accounts.models import ProgramAccount, User
from financial.calendar import EASTERN, add_business_days, is_business_day
from financial.interest import interest_accrue
from financial.models import (
    Declaration,
    DeclarationVersion,
    Invoice,
    Payment,
    PrescribedRate,
    Statement,
)
from financial.selectors import account_balance
from financial.services import (
    adjustment_decide,
    declaration_correct,
    declaration_file,
    invoice_issue,
    payment_create,
    payment_received,
)
from financial.statements import statements_issue

MONTHS = 13
# Prescribed rates, as officers would have set them for each quarter.
PRESCRIBED = {2024: "5.00", 2025: "4.00", 2026: "3.00", 2027: "3.00"}

GOODS = [
    # HS code, description, duty rate
    ("8471300000", "Laptops", "0"),
    ("6109100010", "Cotton T-shirts", "0.18"),
    ("9403600090", "Wooden furniture", "0.095"),
    ("8516500000", "Microwave ovens", "0.08"),
    ("6403990000", "Leather footwear", "0.18"),
    ("9503000090", "Toys", "0"),
    ("8418100000", "Refrigerators", "0.06"),
    ("4202920000", "Travel bags", "0.11"),
]
VENDORS = [
    "Acme Electronics GmbH",
    "Sakura Textiles Co.",
    "Nordic Furniture AB",
    "Shenzhen Bright Appliances Ltd.",
    "Calzados del Sur S.A.",
    "Lombardia Pelletteria S.p.A.",
]


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=EASTERN)


def _lines(rng: random.Random) -> list[dict]:
    lines = []
    for hs_code, description, rate in rng.sample(GOODS, rng.randint(1, 3)):
        lines.append(
            {
                "hs_code": hs_code,
                "description": description,
                "quantity": Decimal(rng.randint(10, 400)),
                "value_for_duty": Decimal(rng.randint(1500_00, 24000_00)) / 100,
                "duty_rate": Decimal(rate),
            }
        )
    return lines


def _rates_seed(start: datetime.date, end: datetime.date) -> None:
    for year in range(start.year, end.year + 1):
        for month in (1, 4, 7, 10):
            PrescribedRate.objects.get_or_create(
                quarter_start=datetime.date(year, month, 1),
                defaults={"rate": Decimal(PRESCRIBED.get(year, "3.00"))},
            )


def demo_history_seed(users: dict[str, User], *, months: int = MONTHS) -> int:
    """Write `months` of history once; returns how many declarations were filed."""
    maple1 = ProgramAccount.objects.get(bn15="123456782RM0001")
    maple2 = ProgramAccount.objects.get(bn15="123456782RM0002")
    prairie = ProgramAccount.objects.get(bn15="876543216RM0001")
    if Statement.objects.filter(program_account=maple1).exists():
        return 0
    rng = random.Random(2026)  # noqa: S311 - demo data, not secrets
    today = timezone.localdate()
    start = (today - datetime.timedelta(days=months * 31)).replace(day=1)
    _rates_seed(start, today)
    maple_bam, agent = users["maple.bam@example.com"], users["broker.agent@example.com"]
    prairie_bam, officer = users["prairie.bam@example.com"], users["officer@example.com"]
    # Who files on which account (each about 1.6 times a month), and who pays statements.
    filers = {maple1: [maple_bam, maple_bam, agent], maple2: [maple_bam], prairie: [prairie_bam]}
    payers = {maple1: [maple_bam, agent], prairie: [prairie_bam]}
    late_due = today - datetime.timedelta(days=150)  # the statement due near it is paid late
    # Changes to make on a later day: (what, declaration).
    changes: dict[datetime.date, list] = {
        start + datetime.timedelta(days=months * 10): [("correct", maple1)],
        start + datetime.timedelta(days=months * 18): [("adjust", prairie)],
        today - datetime.timedelta(days=2): [("adjust-pending", prairie)],
    }
    # CBSA's invoices on Maple RM0001: (kind, reference, amount, days to pay).
    invoices = {
        start + datetime.timedelta(days=months * 20): (
            Invoice.Kind.SERVICE_FEE,
            f"FEE-{start.year}-000417",
            Decimal("85.00"),
            30,
        ),
        today - datetime.timedelta(days=6): (
            Invoice.Kind.AMP,
            f"AMP-{today.year}-000123",
            Decimal("1250.00"),
            30,
        ),
    }
    payments: dict[datetime.date, list[Statement]] = {}
    # Online banking and wire arrive two business days after they are sent; those sent
    # since the day before yesterday are still pending.
    arrivals: dict[datetime.date, list[Payment]] = {}
    filed = 0

    day = start
    while day < today:
        for payment in arrivals.pop(day, []):
            payment_received(payment=payment, at=_at(day, 9))
        if day.day == 25:
            for statement in statements_issue_for(day, [maple1, prairie], at=_at(day, 1)):
                late = statement.program_account_id == maple1.pk and (
                    abs((statement.due_date - late_due).days) < 16
                )
                pay_on = statement.due_date + datetime.timedelta(days=9 if late else 0)
                payments.setdefault(pay_on, []).append(statement)
        interest_accrue(day=day, at=_at(day, 3))
        if is_business_day(day):
            for account, people in filers.items():
                for actor in people:
                    if rng.random() > 1.6 / 21:
                        continue
                    declaration = _file(rng, actor, account, day)
                    filed += 1
                    if account == maple2:  # no RPP: paid before release, the same day
                        _pay(maple_bam, maple2, declaration.total, "debit_card", declaration, day)
        for what, account in changes.get(day, []):
            _change(what, account, officer, day)
        if day in invoices:
            kind, reference, amount, days = invoices[day]
            invoice_issue(
                officer=officer,
                program_account=maple1,
                kind=kind,
                amount=amount,
                due_date=day + datetime.timedelta(days=days),
                reference=reference,
                description="Late accounting of a release (C152)" if kind == "amp" else "",
                at=_at(day, 9),
            )
        for statement in payments.get(day, []):
            account = statement.program_account
            amount = min(statement.total_payable, account_balance(account))
            if amount > 0:
                method = rng.choice(["online_banking", "wire"])
                payment = _pay(rng.choice(payers[account]), account, amount, method, statement, day)
                arrivals.setdefault(add_business_days(day, 2), []).append(payment)
        day += datetime.timedelta(days=1)
    return filed


def statements_issue_for(day: datetime.date, accounts, *, at) -> list[Statement]:
    """Issue the period's statements (every account, as the job does); return those of
    `accounts` that need paying."""
    period_end = day.replace(day=17)
    statements_issue(period_end=period_end, at=at)
    return list(
        Statement.objects.filter(
            period_end=period_end, program_account__in=accounts, total_payable__gt=0
        ).select_related("program_account")
    )


def _file(rng: random.Random, actor, account, day: datetime.date) -> Declaration:
    return declaration_file(
        actor=actor,
        program_account=account,
        release_date=add_business_days(day, -rng.choice([1, 1, 2, 3, 7])),
        port_of_entry=rng.choice(["0497", "0395", "0809", "0440"]),
        vendor=rng.choice(VENDORS),
        lines=_lines(rng),
        at=_at(day, 10),
    )


def _change(what: str, account, officer, day: datetime.date) -> None:
    """A correction on a recent declaration, or an adjustment on one two months old
    (approved by an officer three days later, or left waiting)."""
    if what == "correct":
        declaration = account.declarations.order_by("-filed_at").first()
        _correct(declaration, "valuation", Decimal("0.9"), day)
        return
    declaration = (
        account.declarations.filter(filed_at__date__lt=day - datetime.timedelta(days=45))
        .exclude(versions__status=DeclarationVersion.Status.PENDING)
        .order_by("-filed_at")
        .first()
    )
    if declaration is None:
        return
    version = _correct(declaration, "classification", Decimal("1.1"), day)
    if what == "adjust":
        decided = _at(day + datetime.timedelta(days=3), 14)
        adjustment_decide(officer=officer, version=version, approve=True, at=decided)


def _pay(actor, account, amount: Decimal, method: str, what, day: datetime.date) -> Payment:
    payment, _created = payment_create(
        actor=actor,
        program_account=account,
        amount=amount,
        method=method,
        idempotency_key=f"demo-{account.bn15}-{type(what).__name__}-{what.pk}",
        at=_at(day, 11 if isinstance(what, Declaration) else 15),
    )
    return payment


def _correct(
    declaration: Declaration, reason: str, factor: Decimal, day: datetime.date
) -> DeclarationVersion:
    current = declaration.versions.filter(status=DeclarationVersion.Status.APPROVED).last()
    lines = [
        {
            "hs_code": line.hs_code,
            "description": line.description,
            "quantity": line.quantity,
            "value_for_duty": (line.value_for_duty * factor).quantize(Decimal("0.01")),
            "duty_rate": line.duty_rate,
            "gst_rate": line.gst_rate,
        }
        for line in current.lines.all()
    ]
    return declaration_correct(
        actor=declaration.filed_by_user,
        declaration=declaration,
        reason_code=reason,
        lines=lines,
        comment="",
        at=_at(day, 9),
    )
