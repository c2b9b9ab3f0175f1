"""Changes to the ledger. Every posting goes through `posting_create`."""

from decimal import Decimal

from django.db import transaction
from django.db.models import F

from accounts.models import Business, ProgramAccount
from financial.locks import lock_account_balance
from financial.models import AccountBalance, Posting

SPLIT = ("duty", "excise_duty", "excise_tax", "sima", "surtax", "gst")


@transaction.atomic
def posting_create(
    *,
    program_account: ProgramAccount,
    kind: str,
    amount: Decimal,
    transaction_number: str = "",
    filed_by: Business | None = None,
    description: str = "",
    posted_at=None,
    **split: Decimal,
) -> Posting:
    """Append one posting and move the account's balance by its amount, atomically.

    The balance row is locked first, so postings on one account are serialized and the
    balance always equals the sum of the postings.
    """
    if not isinstance(amount, Decimal):
        raise TypeError("A posting's amount is a Decimal.")
    unknown = set(split) - set(SPLIT)
    if unknown:
        raise TypeError(f"Unknown revenue columns: {', '.join(sorted(unknown))}")
    lock_account_balance(program_account)
    extra = {"posted_at": posted_at} if posted_at is not None else {}
    posting = Posting.objects.create(
        program_account=program_account,
        kind=kind,
        amount=amount,
        transaction_number=transaction_number,
        filed_by=filed_by,
        description=description,
        **split,
        **extra,
    )
    AccountBalance.objects.filter(program_account=program_account).update(
        balance=F("balance") + amount, postings=F("postings") + 1
    )
    return posting
