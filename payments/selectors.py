"""Reads of pre-authorized debits."""

from django.db.models import QuerySet

from accounts.models import ProgramAccount
from payments.models import PadAgreement, PadDebit


def agreements_of(program_account: ProgramAccount) -> QuerySet[PadAgreement]:
    """The account's agreements, the one in force first, then newest first."""
    return PadAgreement.objects.filter(program_account=program_account).order_by(
        "-cancelled_at", "-signed_at", "-id"
    )


def pad_debits_of(program_account: ProgramAccount) -> QuerySet[PadDebit]:
    """The account's debits, newest first, with their statement and payment."""
    return (
        PadDebit.objects.filter(agreement__program_account=program_account)
        .select_related("statement", "payment", "run", "agreement")
        .order_by("-run__day", "-id")
    )
