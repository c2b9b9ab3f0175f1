"""Changes to people, their access to businesses, and their API keys."""

import hashlib
import hmac
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import ClassVar, TypeVar

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from accounts import selectors
from accounts.errors import AccountsError
from accounts.identifiers import IdentifierError, normalize_bn9, normalize_program_account
from accounts.models import (
    AccessEvent,
    AccessRequest,
    ApiKey,
    Business,
    Membership,
    ProgramAccount,
    Role,
    User,
)
from accounts.selectors import AffinityQuestion
from carm.ratelimit import record_failure, too_many_failures
from delegation.permissions import (
    grantable_accounts,
    grantable_roles,
    manager_role,
    may_manage_membership,
)
from notifications.kinds import Kind
from notifications.services import notification_send

PROFILE_FIELDS = ("first_name", "last_name", "phone", "preferred_language", "email_notifications")


@transaction.atomic
def user_profile_update(*, user: User, **changes) -> User:
    """Update the contact details and preferences a user may edit themselves."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable from the profile: {', '.join(sorted(unknown))}")
    for field, value in changes.items():
        setattr(user, field, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=[*changes])
    return user


OFFICERS_GROUP = "Officers"
# Officers keep CBSA's records in these apps; people's logins and the ledger they may only
# look at, and act on through the decisions their models name (a refund, an adjustment).
OFFICER_APPS = ("accounts", "delegation", "financial", "security", "notifications")
OFFICER_VIEW_ONLY_MODELS = {
    ("accounts", "user"),
    ("accounts", "membership"),
    ("accounts", "accessrequest"),
    ("accounts", "accessevent"),
    ("accounts", "apikey"),
    ("delegation", "relationship"),
    ("delegation", "clientgroup"),
    ("delegation", "accesslogentry"),
    ("financial", "posting"),
    ("financial", "payment"),
    ("financial", "accountbalance"),
    ("notifications", "notification"),
}


@transaction.atomic
def officers_group_sync() -> Group:
    """Create the "Officers" group and give it the portal's admin permissions."""
    group, _ = Group.objects.get_or_create(name=OFFICERS_GROUP)
    permissions = Permission.objects.filter(
        content_type__app_label__in=OFFICER_APPS
    ).select_related("content_type")
    group.permissions.set(
        [
            permission
            for permission in permissions
            if (permission.content_type.app_label, permission.content_type.model)
            not in OFFICER_VIEW_ONLY_MODELS
            or not permission.codename.startswith(("add_", "change_", "delete_"))
        ]
    )
    return group


# --- Onboarding --------------------------------------------------------------------------

REGISTRATION_FAILURE_LIMIT = 5
REGISTRATION_WINDOW = 60 * 60

T = TypeVar("T")


def _lock_business(business_id: int) -> Business:
    """All changes to who may act for a business are serialized on its row."""
    return Business.objects.select_for_update().get(pk=business_id)


def _snapshot(membership: Membership | None) -> dict | None:
    if membership is None:
        return None
    return {
        "role": membership.role,
        "program_accounts": sorted(account.bn15 for account in membership.program_accounts.all()),
    }


def _record(*, business, actor, subject, action, before=None, after=None) -> None:
    AccessEvent.objects.create(
        business=business, actor=actor, subject=subject, action=action, before=before, after=after
    )


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
AFFINITY_ANSWERS_REQUIRED = 2


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


@dataclass(frozen=True)
class AffinityQuiz:
    """The questions a registrant may choose from, and how many they must answer."""

    program_account: ProgramAccount
    questions: tuple[AffinityQuestion, ...]
    required: int


def affinity_quiz_for(program_account: ProgramAccount) -> AffinityQuiz:
    """Two of the questions the account's history allows, or one if it allows only one; none
    for an account without history, which registers on the legal-name match alone."""
    questions = tuple(selectors.affinity_questions_available(program_account))
    return AffinityQuiz(
        program_account=program_account,
        questions=questions,
        required=min(AFFINITY_ANSWERS_REQUIRED, len(questions)),
    )


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
    if legal_name.strip() != business.legal_name:
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
    business = _lock_business(account.business_id)
    _check_unregistered(user=user, business=business)
    _affinity_answers_check(account, answers)
    membership = Membership.objects.create(user=user, business=business, role=Role.BAM)
    _record(
        business=business,
        actor=user,
        subject=user,
        action=AccessEvent.Action.REGISTERED,
        after=_snapshot(membership),
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


def _check_grant(*, actor: User, business: Business, role: str, program_accounts) -> list:
    if role not in grantable_roles(actor, business):
        raise AccountsError("role_not_grantable")
    accounts = list(program_accounts)
    if role == Role.BAM:
        return []  # a BAM covers every account of the business
    if not accounts:
        raise AccountsError("scope_required")
    allowed = set(grantable_accounts(actor, business).values_list("pk", flat=True))
    if any(account.business_id != business.pk or account.pk not in allowed for account in accounts):
        raise AccountsError("scope_not_grantable")
    return accounts


def _lock_pending(access_request: AccessRequest) -> AccessRequest:
    access_request = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
    if access_request.status != AccessRequest.Status.PENDING:
        raise AccountsError("request_decided")
    return access_request


def _mark_decided(access_request: AccessRequest, *, actor: User, status: str) -> None:
    access_request.status = status
    access_request.decided_by, access_request.decided_at = actor, timezone.now()
    access_request.save(update_fields=["status", "decided_by", "decided_at"])


@transaction.atomic
def access_request_approve(
    *, actor: User, access_request: AccessRequest, role: str, program_accounts
) -> Membership:
    business = _lock_business(access_request.business_id)
    access_request = _lock_pending(access_request)
    accounts = _check_grant(
        actor=actor, business=business, role=role, program_accounts=program_accounts
    )
    if business.memberships.filter(user=access_request.user).exists():
        raise AccountsError("already_member")
    membership = Membership.objects.create(user=access_request.user, business=business, role=role)
    membership.program_accounts.set(accounts)
    _mark_decided(access_request, actor=actor, status=AccessRequest.Status.APPROVED)
    _record(
        business=business,
        actor=actor,
        subject=membership.user,
        action=AccessEvent.Action.GRANTED,
        after=_snapshot(membership),
    )
    notification_send(
        recipient=membership.user,
        kind=Kind.ACCESS_GRANTED,
        dedupe_key=f"access-request:{access_request.pk}:decision",
        context={"business": business.legal_name, "role": Role(role).value},
        route="home",
    )
    return membership


@transaction.atomic
def access_request_reject(*, actor: User, access_request: AccessRequest) -> AccessRequest:
    business = _lock_business(access_request.business_id)
    if manager_role(actor, business) is None:
        raise AccountsError("not_manageable")
    access_request = _lock_pending(access_request)
    _mark_decided(access_request, actor=actor, status=AccessRequest.Status.REJECTED)
    _record(
        business=business,
        actor=actor,
        subject=access_request.user,
        action=AccessEvent.Action.REJECTED,
    )
    notification_send(
        recipient=access_request.user,
        kind=Kind.ACCESS_REFUSED,
        dedupe_key=f"access-request:{access_request.pk}:decision",
        context={"business": business.legal_name},
    )
    return access_request


def _keeps_a_bam(business: Business, membership: Membership) -> bool:
    return business.memberships.filter(role=Role.BAM).exclude(pk=membership.pk).exists()


@transaction.atomic
def membership_update(
    *, actor: User, membership: Membership, role: str, program_accounts
) -> Membership:
    """Change a person's role or scope, within what the actor holds."""
    business = _lock_business(membership.business_id)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not may_manage_membership(actor, membership):
        raise AccountsError("not_manageable")
    accounts = _check_grant(
        actor=actor, business=business, role=role, program_accounts=program_accounts
    )
    if membership.role == Role.BAM and role != Role.BAM and not _keeps_a_bam(business, membership):
        raise AccountsError("last_bam")
    before = _snapshot(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    membership.program_accounts.set(accounts)
    after = _snapshot(membership)
    if before != after:
        _record(
            business=business,
            actor=actor,
            subject=membership.user,
            action=AccessEvent.Action.CHANGED,
            before=before,
            after=after,
        )
    return membership


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership) -> None:
    business = _lock_business(membership.business_id)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not may_manage_membership(actor, membership):
        raise AccountsError("not_manageable")
    if membership.role == Role.BAM and not _keeps_a_bam(business, membership):
        raise AccountsError("last_bam")
    before = _snapshot(membership)
    subject = membership.user
    membership.delete()
    _record(
        business=business,
        actor=actor,
        subject=subject,
        action=AccessEvent.Action.REMOVED,
        before=before,
    )


# --- Personal API keys -------------------------------------------------------------------

API_KEY_PREFIX = "carm"


def api_key_hash(secret: str) -> str:
    # The secret is 256 random bits: a fast hash is enough, no salt or stretching needed.
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_key_create(*, user: User, name: str, expires_at=None) -> tuple[ApiKey, str]:
    """Create a key; the returned plain text is shown once and never stored."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        user=user,
        name=name.strip(),
        prefix=prefix,
        hashed_secret=api_key_hash(secret),
        expires_at=expires_at,
    )
    return key, f"{API_KEY_PREFIX}_{prefix}_{secret}"


def api_key_revoke(*, user: User, key_id: int) -> ApiKey:
    key = ApiKey.objects.get(pk=key_id, user=user)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


API_KEY_TOUCH_INTERVAL = timedelta(minutes=1)


def api_key_authenticate(token: str) -> ApiKey:
    """The active key a presented token stands for; AccountsError with the reason otherwise."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX:
        raise AccountsError("api_key_invalid")
    key = ApiKey.objects.select_related("user").filter(prefix=parts[1]).first()
    if key is None or not hmac.compare_digest(key.hashed_secret, api_key_hash(parts[2])):
        raise AccountsError("api_key_invalid")
    if key.revoked_at is not None:
        raise AccountsError("api_key_revoked")
    now = timezone.now()
    if key.expires_at is not None and key.expires_at <= now:
        raise AccountsError("api_key_expired")
    if not key.user.is_active:
        raise AccountsError("api_key_invalid")
    # Record use, at most once a minute per key, without a write on every request.
    if key.last_used_at is None or now - key.last_used_at > API_KEY_TOUCH_INTERVAL:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
