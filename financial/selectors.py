"""Reads of the ledger."""

from decimal import Decimal

from django.db.models import Count, DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from accounts.models import ProgramAccount
from financial.models import AccountBalance, Posting


def account_balance(program_account: ProgramAccount) -> Decimal:
    """The balance as kept beside the ledger: one row read, however long the history."""
    row = AccountBalance.objects.filter(program_account=program_account).first()
    return row.balance if row else Decimal("0.00")


def ledger_mismatches():
    """Accounts whose kept balance differs from the sum of their postings (should be none)."""
    sums = (
        Posting.objects.filter(program_account=OuterRef("program_account"))
        .values("program_account")
        .annotate(total=Sum("amount"), count=Count("id"))
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    balances = AccountBalance.objects.annotate(
        ledger_total=Coalesce(
            Subquery(sums.values("total")), Value(Decimal("0")), output_field=money
        ),
        ledger_count=Coalesce(Subquery(sums.values("count")), Value(0)),
    ).filter(~Q(balance=F("ledger_total")) | ~Q(postings=F("ledger_count")))
    orphans = (
        ProgramAccount.objects.filter(postings__isnull=False, balance_row__isnull=True)
        .distinct()
        .values_list("bn15", flat=True)
    )
    return list(balances.values_list("program_account__bn15", "balance", "ledger_total")) + [
        (bn15, None, None) for bn15 in orphans
    ]
