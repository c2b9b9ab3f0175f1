"""Reads about businesses and access, always through what the user may see."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from django.db import connection
from django.db.models import Prefetch, QuerySet

from accounts.models import (
    AccessEvent,
    AccessRequest,
    Business,
    Membership,
    ProgramAccount,
    Role,
    User,
)
from carm.sql import array_literal
from delegation.permissions import (
    Action,
    can,
    employee_allows,
    employee_role,
    manager_role,
    third_party_relationships_of,
)
from financial.calculation import ZERO
from financial.calendar import start_of
from financial.selectors import amounts_due

# What the home page asks of each account it lists.
DASHBOARD_ACTIONS = (Action.VIEW_ACCOUNT, Action.VIEW_STATEMENTS, Action.PAY)


def dashboard_accounts(user, business: Business, due_date: date) -> list[dict]:
    """The business's accounts the user sees, each with the user's role on it, its balance
    and what it owes on `due_date` (of the statement due then) where the user may see
    them, and whether the user may pay."""
    # The rule of program_accounts_visible_to, asked of the business's few accounts as
    # get_program_account_for asks it of one: the user's role (memberships, read once a
    # request) or a relationship in force (all the accounts' at once).
    # Relationships are looked up, all at once, only for the accounts where the user's role
    # does not already allow all the page asks (for a BAM, none): `can` would ask them.
    candidates = list(
        business.program_accounts.select_related("balance_row", "business").order_by("bn15")
    )
    others = [
        account for account in candidates if not employee_allows(user, account, DASHBOARD_ACTIONS)
    ]
    relationships = third_party_relationships_of(user, others) if others else {}
    accounts = [
        account
        for account in candidates
        if employee_role(user, account) is not None or relationships[account.pk]
    ]
    sees = {account.pk for account in accounts if can(user, Action.VIEW_STATEMENTS, account)}
    due = amounts_due([account for account in accounts if account.pk in sees], due_date)
    return [
        {
            "account": account,
            "role": employee_role(user, account),
            "balance": _balance(account) if account.pk in sees else None,
            "due": due.get(account.pk, ZERO) if account.pk in sees else None,
            "may_pay": can(user, Action.PAY, account),
        }
        for account in accounts
    ]


def _balance(account: ProgramAccount) -> Decimal:
    row = getattr(account, "balance_row", None)
    return row.balance if row is not None else ZERO


def own_access_requests(user) -> list[AccessRequest]:
    """The person's own requests for access, newest first: the business number, never its
    name, until a manager lets them in."""
    return list(
        AccessRequest.objects.filter(user=user)
        .select_related("business")
        .only("status", "created_at", "decided_at", "business__bn9")
        .order_by("-created_at", "-pk")
    )


def pending_access_requests(user, business: Business) -> QuerySet[AccessRequest]:
    if manager_role(user, business) is None:
        return AccessRequest.objects.none()
    return business.access_requests.filter(status=AccessRequest.Status.PENDING).select_related(
        "user"
    )


def business_memberships(user, business: Business) -> QuerySet[Membership]:
    if manager_role(user, business) is None:
        return Membership.objects.none()
    return (
        business.memberships.select_related("user")
        .prefetch_related(
            Prefetch("program_accounts", queryset=ProgramAccount.objects.order_by("bn15"))
        )
        .order_by("user__last_name", "user__first_name", "user__email")
    )


def access_history(user, business: Business, *, limit: int = 50) -> QuerySet[AccessEvent]:
    if manager_role(user, business) is None:
        return AccessEvent.objects.none()
    return business.access_events.select_related("actor", "subject")[:limit]


# --- Affinity questions (docs/rules.md §2) ---------------------------------------------------
# The registrant has no access yet, so these reads are not scoped to a user: they only
# answer "which kinds of history exist" and "does this answer match", never return records.


class AffinityQuestion(StrEnum):
    DECLARATION = "declaration"
    PAYMENT = "payment"
    STATEMENT = "statement"


def affinity_questions_available(program_account: ProgramAccount) -> list[AffinityQuestion]:
    """The questions the account's history lets a registrant answer, in display order. A
    statement with a $0.00 balance is no proof of anything, so it does not count."""
    from financial.models import Declaration, Payment, Statement

    kinds = {
        AffinityQuestion.DECLARATION: Declaration.objects.filter(program_account=program_account),
        AffinityQuestion.PAYMENT: Payment.objects.filter(program_account=program_account),
        AffinityQuestion.STATEMENT: Statement.objects.filter(
            program_account=program_account
        ).exclude(total_payable=0),
    }
    return [question for question, rows in kinds.items() if rows.exists()]


def declaration_total_matches(
    program_account: ProgramAccount, *, transaction_number: str, total: Decimal
) -> bool:
    from financial.models import Declaration

    return Declaration.objects.filter(
        program_account=program_account, transaction_number=transaction_number, total=total
    ).exists()


def payment_matches(program_account: ProgramAccount, *, paid_on: date, amount: Decimal) -> bool:
    """Whether a payment of `amount` was made on `paid_on`, a day in Eastern time."""
    from financial.models import Payment

    return Payment.objects.filter(
        program_account=program_account,
        amount=amount,
        created_at__gte=start_of(paid_on),
        created_at__lt=start_of(paid_on + timedelta(days=1)),
    ).exists()


def statement_balance_matches(
    program_account: ProgramAccount, *, statement_date: date, balance: Decimal
) -> bool:
    from financial.models import Statement

    return Statement.objects.filter(
        program_account=program_account, statement_date=statement_date, total_payable=balance
    ).exists()


def bams_of(business_ids: Iterable[int]) -> dict[int, list[User]]:
    """{business id: its Business Account Managers}: who hears of what concerns the whole
    importer (a payment, arrears, RPP suspended or restored)."""
    bams: dict[int, list[User]] = {pk: [] for pk in business_ids}
    for membership in Membership.objects.filter(
        business_id__in=list(bams), role=Role.BAM
    ).select_related("user"):
        bams[membership.business_id].append(membership.user)
    return bams


# The employees of an account: its business's BAMs, and the employees whose scope has it.
# The rule of delegation.permissions.employee_role, asked of many accounts at once.
READERS = """
SELECT account.id, membership.user_id
FROM accounts_programaccount AS account
JOIN accounts_membership AS membership ON membership.business_id = account.business_id
WHERE account.id = ANY(%(accounts)s::bigint[])
  AND (membership.role = %(bam)s OR EXISTS (
    SELECT FROM accounts_membership_program_accounts AS scope
    WHERE scope.membership_id = membership.id AND scope.programaccount_id = account.id
  ))
ORDER BY account.id, membership.user_id
"""


def employees_of_accounts(program_account_ids: Iterable[int]) -> dict[int, list[User]]:
    """{account id: the importer's BAMs and the employees whose scope covers it}: who
    hears of what happens to an account (a statement, an annual review). One statement
    whatever the number of accounts, for the jobs that tell thousands at once."""
    ids = list(program_account_ids)
    readers: dict[int, list[User]] = {pk: [] for pk in ids}
    with connection.cursor() as cursor:
        cursor.execute(READERS, {"accounts": array_literal(ids), "bam": Role.BAM})
        pairs = cursor.fetchall()
    users = User.objects.in_bulk({user for _, user in pairs}) if pairs else {}
    for account, user in pairs:
        readers[account].append(users[user])
    return readers


AFFINITY_ANSWERS_REQUIRED = 2


@dataclass(frozen=True)
class AffinityQuiz:
    """The questions a registrant may choose from, and how many they must answer."""

    program_account: ProgramAccount
    questions: tuple[AffinityQuestion, ...]
    required: int


def affinity_quiz_for(program_account: ProgramAccount) -> AffinityQuiz:
    """Two of the questions the account's history allows, or one if it allows only one; none
    for an account without history, which registers on the legal-name match alone."""
    questions = tuple(affinity_questions_available(program_account))
    return AffinityQuiz(
        program_account=program_account,
        questions=questions,
        required=min(AFFINITY_ANSWERS_REQUIRED, len(questions)),
    )
