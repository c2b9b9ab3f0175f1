"""Which credit paid which debt: allocation rows written beside the postings
(docs/rules.md §12).

Every credit on an account is applied to its open debts, oldest first, as soon as both
exist; after each posting either no debt or no credit is left open, so an account's open
debts add up to its balance when it owes, and its open credits to what it is owed when it
has a credit. A payer may ask that a payment go first to chosen debts; a returned payment
and a cancelled invoice take their credit back from whatever it paid (rows of the
negative amount) and set it against their own reversal. A returned payment reopens older
debts than those later credits paid: on an account that applies payments oldest first,
those credits move to the older debts, so what is owed is always the newest debt.

The caller holds the account's balance row (financial/locks.py), so allocations on one
account never race.
"""

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db import connection
from django.db.models import Q, Sum

from accounts.models import ProgramAccount
from financial.calculation import match_oldest_first
from financial.models import Allocation, Posting

# What is left of each of the account's credits (sign "<") or debits (sign ">"), oldest
# first, for those with something left.
OPEN = """
SELECT p.id, ABS(p.amount) - COALESCE(SUM(a.amount), 0) AS left_over
FROM financial_posting p
LEFT JOIN financial_allocation a ON a.{side}_id = p.id
WHERE p.program_account_id = %(account)s AND p.amount {sign} 0
GROUP BY p.id, p.posted_at
HAVING ABS(p.amount) - COALESCE(SUM(a.amount), 0) > 0
ORDER BY p.posted_at, p.id
"""


def _open(program_account_id: int, side: str) -> list[tuple[int, Decimal]]:
    sign = "<" if side == "credit" else ">"
    with connection.cursor() as cursor:
        cursor.execute(OPEN.format(side=side, sign=sign), {"account": program_account_id})
        return [(key, left) for key, left in cursor.fetchall()]


def _write(
    program_account_id: int, pairs: Iterable[tuple[int, int, Decimal]], at: datetime.datetime
) -> list[Allocation]:
    return Allocation.objects.bulk_create(
        Allocation(
            program_account_id=program_account_id,
            credit_id=credit,
            debit_id=debit,
            amount=amount,
            created_at=at,
        )
        for credit, debit, amount in pairs
    )


def allocate(
    program_account: ProgramAccount,
    *,
    at: datetime.datetime,
    credit: Posting | None = None,
    debits_first: Sequence[int] = (),
) -> list[Allocation]:
    """Apply the account's open credits to its open debits, oldest first on both sides.

    With `credit` and `debits_first`, that credit first pays those debits in the order
    given (a payment applied to chosen declarations, a reversal set against the credit it
    reverses); what is left of it then goes with the others, oldest first."""
    credits = _open(program_account.pk, "credit")
    debits = _open(program_account.pk, "debit")
    pairs = []
    if credit is not None and debits_first:
        left = dict(debits)
        first = [(key, left[key]) for key in debits_first if key in left]
        own = [(key, amount) for key, amount in credits if key == credit.pk]
        pairs = match_oldest_first(own, first)
        paid, used = {}, Decimal(0)
        for _credit, debit, amount in pairs:
            paid[debit] = paid.get(debit, Decimal(0)) + amount
            used += amount
        credits = [(key, amount - used if key == credit.pk else amount) for key, amount in credits]
        debits = [(key, amount - paid.get(key, Decimal(0))) for key, amount in debits]
    pairs += match_oldest_first(credits, debits)
    return _write(program_account.pk, pairs, at)


def allocations_release(posting: Posting, *, at: datetime.datetime) -> list[Allocation]:
    """Take back everything `posting` paid (a credit) or was paid with (a debit): one row of
    the negative amount per pair still standing. The freed side is open again until the
    next `allocate`."""
    side = "credit" if posting.amount < 0 else "debit"
    standing: dict[tuple[int, int], Decimal] = {}
    for row in Allocation.objects.filter(**{side: posting}).values("credit", "debit", "amount"):
        key = (row["credit"], row["debit"])
        standing[key] = standing.get(key, Decimal(0)) + row["amount"]
    return _write(
        posting.program_account_id,
        [(credit, debit, -amount) for (credit, debit), amount in standing.items() if amount],
        at,
    )


def allocations_reflow(
    program_account: ProgramAccount, *, reopened: Iterable[int], at: datetime.datetime
) -> list[Allocation]:
    """Oldest debt first again once the debits `reopened` are owed again: what credits paid
    on the account's newer debits is taken back and applied again, oldest first. A
    reversal and the posting it reverses stay together. An account whose payers choose
    what their payments pay keeps those choices; its reopened debts wait for the next
    credit."""
    if program_account.payments_applied != ProgramAccount.PaymentsApplied.OLDEST_FIRST:
        return []
    earliest = Posting.objects.filter(pk__in=list(reopened)).order_by("posted_at", "id").first()
    if earliest is None:
        return []
    standing = (
        Allocation.objects.filter(program_account=program_account)
        .filter(
            Q(debit__posted_at__gt=earliest.posted_at)
            | Q(debit__posted_at=earliest.posted_at, debit_id__gt=earliest.pk)
        )
        .exclude(debit__kind=Posting.Kind.PAYMENT_RETURN)
        .exclude(credit__kind=Posting.Kind.INVOICE_CANCELLATION)
        .values("credit", "debit")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
        .values_list("credit", "debit", "total")
    )
    taken_back = _write(
        program_account.pk,
        [(credit, debit, -total) for credit, debit, total in standing],
        at,
    )
    return taken_back + allocate(program_account, at=at)
