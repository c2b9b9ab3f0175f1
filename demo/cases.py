"""The demo's cases: Maple asked CBSA for an advance ruling on its T-shirts three weeks
ago, and an officer is waiting for the fabric's specification sheet."""

import datetime

from django.utils import timezone

from accounts.models import ProgramAccount, User
from cases.models import Case
from cases.services import case_assign, case_file, case_officer_message
from financial.calendar import EASTERN


def demo_cases_seed(users: dict[str, User]) -> int:
    """File the demo's ruling request once; returns how many cases were filed now."""
    account = ProgramAccount.objects.get(bn15="123456782RM0001")
    if Case.objects.filter(program_account=account).exists():
        return 0
    today = timezone.localdate()

    def at(days_ago: int) -> datetime.datetime:
        day = today - datetime.timedelta(days=days_ago)
        return datetime.datetime.combine(day, datetime.time(10), tzinfo=EASTERN)

    case = case_file(
        actor=users["maple.bam@example.com"],
        program_account=account,
        kind=Case.Kind.RULING,
        ruling_type=Case.RulingType.CLASSIFICATION,
        goods_description="Crew-neck T-shirts, 100 % cotton jersey (knitted), short sleeves.",
        proposed_classification="6109100010",
        reason="Are these shirts classified in heading 61.09 (knitted) or 62.05 (woven)?",
        at=at(21),
    )
    officer = users["officer@example.com"]
    case_assign(officer=officer, case=case, at=at(18))
    case_officer_message(
        officer=officer,
        case=case,
        body="Please send the fabric's specification sheet showing how it is made.",
        information_due=today + datetime.timedelta(days=10),
        at=at(17),
    )
    return 1
