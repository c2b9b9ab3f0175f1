"""Maple's pre-authorized debit agreement on RM0001: its statements are debited on their
due dates from now on."""

from accounts.models import ProgramAccount, User
from payments.models import PadAgreement
from payments.services import pad_agreement_sign


def demo_banking_seed(users: dict[str, User]) -> PadAgreement:
    account = ProgramAccount.objects.get(bn15="123456782RM0001")
    existing = PadAgreement.objects.filter(program_account=account).first()
    if existing is not None:
        return existing
    return pad_agreement_sign(
        actor=users["maple.bam@example.com"],
        program_account=account,
        institution="003",
        transit="00012",
        account_number="1234567",
        holder_name="Maple Leaf Imports Inc.",
        accept_terms=True,
    )
