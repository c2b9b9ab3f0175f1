"""The demo's financial security: True North Surety's bonds for Maple RM0001 and Prairie,
posted when their history starts. Maple's year of declarations means the next annual
review (`rpp_annual_review --year <this year>`) raises its requirement and notifies it."""

import datetime

from django.utils import timezone

from accounts.models import ProgramAccount, User
from delegation.models import SuretyInvitation
from delegation.services import surety_invite
from financial.calendar import EASTERN
from security.models import SuretyBond
from security.services import bond_post

BONDS = [
    # program account, the importer's BAM who invited the surety, bond number, amount
    ("123456782RM0001", "maple.bam@example.com", "TNS-2025-0412", "5000.00"),
    ("876543216RM0001", "prairie.bam@example.com", "TNS-2025-0588", "15000.00"),
]
SURETY_BN9 = "777888991"


def demo_security_seed(users: dict[str, User], *, months: int = 13) -> int:
    """Post the demo bonds once, each after its importer invited the surety, dated when the
    history starts; returns how many."""
    surety = users["surety@example.com"]
    start = (timezone.localdate() - datetime.timedelta(days=months * 31)).replace(day=1)
    posted = 0
    for bn15, bam, number, amount in BONDS:
        account = ProgramAccount.objects.get(bn15=bn15)
        standing = SuretyInvitation.objects.standing().filter(
            program_account=account, surety__bn9=SURETY_BN9
        )
        if not standing.exists():
            surety_invite(
                actor=users[bam],
                program_account=account,
                surety_bn9=SURETY_BN9,
                at=datetime.datetime.combine(start, datetime.time(8), tzinfo=EASTERN),
            )
        if SuretyBond.objects.filter(program_account=account).exists():
            continue
        bond_post(
            actor=surety,
            program_account=account,
            bond_number=number,
            amount=amount,
            effective_date=start,
            at=datetime.datetime.combine(start, datetime.time(9), tzinfo=EASTERN),
        )
        posted += 1
    return posted
