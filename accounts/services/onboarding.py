"""First time setup: registering a business (legal-name match and affinity questions) or
asking for access to one. docs/rules.md §2."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar, TypeVar

from django.db import transaction

from accounts import selectors
from accounts.errors import AccountsError
from accounts.identifiers import IdentifierError, normalize_bn9, normalize_program_account
from accounts.models import (
    AccessEvent,
    AccessRequest,
    Business,
    Membership,
    ProgramAccount,
    Role,
    User,
)
from accounts.names import same_legal_name
from accounts.selectors import AffinityQuestion, AffinityQuiz, affinity_quiz_for
from accounts.services.access_events import access_event_record, business_lock, membership_snapshot
from carm.ratelimit import record_failure, too_many_failures
from notifications.kinds import Kind
from notifications.services import notification_send

REGISTRATION_FAILURE_LIMIT = 5
REGISTRATION_WINDOW = 60 * 60

T = TypeVar("T")

# Refusals that guess nothing about CBSA records do not count as failed attempts.
NOT_COUNTED = frozenset(
    {
        "already_managed",
        "already_member",
        "affinity_answer_one",
        "affinity_answer_two",
        "statement_balance_zero",
    }
)


@dataclass(frozen=True)
class DeclarationAnswer:
    """A transaction number of the account and its total duties and taxes ($0.00 counts)."""

    transaction_number: str
    total: Decimal
    question: ClassVar[AffinityQuestion] = AffinityQuestion.DECLARATION


@dataclass(frozen=True)
class PaymentAnswer:
    """The amount of a payment made on the account on a day (Eastern time)."""

    paid_on: date
    amount: Decimal
    question: ClassVar[AffinityQuestion] = AffinityQuestion.PAYMENT


@dataclass(frozen=True)
class StatementAnswer:
    """The balance (line H) of the Statement of Account dated `statement_date`."""

    statement_date: date
    balance: Decimal
    question: ClassVar[AffinityQuestion] = AffinityQuestion.STATEMENT


AffinityAnswer = DeclarationAnswer | PaymentAnswer | StatementAnswer


def _affinity_answer_matches(program_account: ProgramAccount, answer: AffinityAnswer) -> bool:
    match answer:
        case DeclarationAnswer():
            return selectors.declaration_total_matches(
                program_account, transaction_number=answer.transaction_number, total=answer.total
            )
        case PaymentAnswer():
            return selectors.payment_matches(
                program_account, paid_on=answer.paid_on, amount=answer.amount
            )
        case StatementAnswer():
            return selectors.statement_balance_matches(
                program_account, statement_date=answer.statement_date, balance=answer.balance
            )
    raise TypeError(f"Not an affinity answer: {answer!r}")


def _affinity_answers_check(
    program_account: ProgramAccount, answers: Sequence[AffinityAnswer]
) -> None:
    quiz = affinity_quiz_for(program_account)
    if not quiz.required:
        return
    if any(isinstance(answer, StatementAnswer) and answer.balance == 0 for answer in answers):
        raise AccountsError("statement_balance_zero")
    if len({answer.question for answer in answers}) < quiz.required:
        raise AccountsError("affinity_answer_two" if quiz.required > 1 else "affinity_answer_one")
    # Every answer is checked, and one refusal covers them all: which one was wrong is
    # exactly what a guesser would like to learn.
    results = [_affinity_answer_matches(program_account, answer) for answer in answers]
    if not all(results):
        raise AccountsError("affinity_mismatch")


def _counting_failures(*, user: User, bn9: str, attempt: Callable[[], T]) -> T:
    """Run a registration step; its refusals count against the user and the BN9 (5 an
    hour each), and once either is spent every attempt is refused."""
    failure_keys = (f"register:user:{user.pk}", f"register:bn9:{(bn9 or '').strip()}")
    if too_many_failures(*failure_keys, limit=REGISTRATION_FAILURE_LIMIT):
        raise AccountsError("too_many_attempts")
    try:
        return attempt()
    except AccountsError as error:
        if error.code not in NOT_COUNTED:
            record_failure(*failure_keys, period=REGISTRATION_WINDOW)
        raise


def _registration_target(*, bn9: str, program_account: str, legal_name: str) -> ProgramAccount:
    """The program account named, if it belongs to the BN9 and the legal name is exact."""
    try:
        bn9 = normalize_bn9(bn9)
        bn15 = normalize_program_account(program_account)
    except IdentifierError as error:
        raise AccountsError(error.code) from None
    business = Business.objects.filter(bn9=bn9).first()
    if business is None:
        raise AccountsError("unknown_business")
    account = business.program_accounts.filter(bn15=bn15).select_related("business").first()
    if account is None:
        raise AccountsError("account_mismatch")
    if not same_legal_name(legal_name, business.legal_name):
        raise AccountsError("name_mismatch")
    return account


def _check_unregistered(*, user: User, business: Business) -> None:
    if business.memberships.filter(user=user).exists():
        raise AccountsError("already_member")
    if business.memberships.filter(role=Role.BAM).exists():
        raise AccountsError("already_managed")


def business_registration_check(
    *, user: User, bn9: str, program_account: str, legal_name: str
) -> AffinityQuiz:
    """The first step of registering: the BN9, one of its program accounts and the exact
    legal name match CBSA records, and nobody manages the business yet. Returns the
    affinity questions to ask next. Changes nothing but the count of failed attempts."""

    def attempt() -> AffinityQuiz:
        account = _registration_target(
            bn9=bn9, program_account=program_account, legal_name=legal_name
        )
        _check_unregistered(user=user, business=account.business)
        return affinity_quiz_for(account)

    return _counting_failures(user=user, bn9=bn9, attempt=attempt)


def business_register(
    *,
    user: User,
    bn9: str,
    program_account: str,
    legal_name: str,
    answers: Sequence[AffinityAnswer] = (),
) -> Membership:
    """Register a business in the portal: the registrant becomes its BAM.

    The BN9, one of its program accounts and the exact legal name must match CBSA records,
    and the answers must prove knowledge of that account (see `affinity_quiz_for`). Failed
    attempts count against the user and the BN9 (5 an hour each).
    """
    return _counting_failures(
        user=user,
        bn9=bn9,
        attempt=lambda: _business_register(
            user=user,
            bn9=bn9,
            program_account=program_account,
            legal_name=legal_name,
            answers=answers,
        ),
    )


@transaction.atomic
def _business_register(*, user, bn9, program_account, legal_name, answers) -> Membership:
    account = _registration_target(bn9=bn9, program_account=program_account, legal_name=legal_name)
    business = business_lock(account.business_id)
    _check_unregistered(user=user, business=business)
    _affinity_answers_check(account, answers)
    membership = Membership.objects.create(user=user, business=business, role=Role.BAM)
    access_event_record(
        business=business,
        actor=user,
        subject=user,
        action=AccessEvent.Action.REGISTERED,
        after=membership_snapshot(membership),
    )
    return membership


@transaction.atomic
def access_request_create(*, user: User, bn9: str, comment: str = "") -> AccessRequest:
    """Ask a business's managers for access; they are notified."""
    try:
        bn9 = normalize_bn9(bn9)
    except IdentifierError as error:
        raise AccountsError(error.code) from None
    business = Business.objects.filter(bn9=bn9).first()
    if business is None:
        raise AccountsError("unknown_business")
    if business.memberships.filter(user=user).exists():
        raise AccountsError("already_member")
    if business.access_requests.filter(user=user, status=AccessRequest.Status.PENDING).exists():
        raise AccountsError("request_pending")
    request = AccessRequest.objects.create(user=user, business=business, comment=comment.strip())
    managers = business.memberships.filter(role__in=[Role.BAM, Role.PAM]).select_related("user")
    for manager in managers:
        notification_send(
            recipient=manager.user,
            kind=Kind.ACCESS_REQUEST,
            dedupe_key=f"access-request:{request.pk}",
            context={"requester": user.get_full_name(), "business": business.legal_name},
            route="employees",
            route_args=[business.bn9],
        )
    return request
