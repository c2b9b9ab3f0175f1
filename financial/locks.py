"""Row locks for money, taken in one order everywhere: the program account's balance row
first, then anything else. Two payments on one account wait for each other; payments on
different accounts never do."""

from django.db import transaction

from accounts.models import ProgramAccount
from financial.models import AccountBalance


def lock_account_balance(program_account: ProgramAccount) -> AccountBalance:
    """The account's balance row, locked until the surrounding transaction ends."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Lock the balance inside transaction.atomic().")
    AccountBalance.objects.get_or_create(program_account=program_account)
    return AccountBalance.objects.select_for_update().get(program_account=program_account)
