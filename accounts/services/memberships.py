"""Employees' access to a business: deciding access requests, changing and removing a
person's role and program accounts, always within what the manager holds."""

from django.db import transaction
from django.utils import timezone

from accounts.errors import AccountsError
from accounts.models import AccessEvent, AccessRequest, Business, Membership, Role, User
from accounts.services.access_events import access_event_record, business_lock, membership_snapshot
from delegation.permissions import (
    grantable_accounts,
    grantable_roles,
    manager_role,
    may_manage_membership,
)
from notifications.kinds import Kind
from notifications.services import notification_send


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
    business = business_lock(access_request.business_id)
    access_request = _lock_pending(access_request)
    accounts = _check_grant(
        actor=actor, business=business, role=role, program_accounts=program_accounts
    )
    if business.memberships.filter(user=access_request.user).exists():
        raise AccountsError("already_member")
    membership = Membership.objects.create(user=access_request.user, business=business, role=role)
    membership.program_accounts.set(accounts)
    _mark_decided(access_request, actor=actor, status=AccessRequest.Status.APPROVED)
    access_event_record(
        business=business,
        actor=actor,
        subject=membership.user,
        action=AccessEvent.Action.GRANTED,
        after=membership_snapshot(membership),
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
    business = business_lock(access_request.business_id)
    if manager_role(actor, business) is None:
        raise AccountsError("not_manageable")
    access_request = _lock_pending(access_request)
    _mark_decided(access_request, actor=actor, status=AccessRequest.Status.REJECTED)
    access_event_record(
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
    business = business_lock(membership.business_id)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not may_manage_membership(actor, membership):
        raise AccountsError("not_manageable")
    accounts = _check_grant(
        actor=actor, business=business, role=role, program_accounts=program_accounts
    )
    if membership.role == Role.BAM and role != Role.BAM and not _keeps_a_bam(business, membership):
        raise AccountsError("last_bam")
    before = membership_snapshot(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    membership.program_accounts.set(accounts)
    after = membership_snapshot(membership)
    if before != after:
        access_event_record(
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
    business = business_lock(membership.business_id)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not may_manage_membership(actor, membership):
        raise AccountsError("not_manageable")
    if membership.role == Role.BAM and not _keeps_a_bam(business, membership):
        raise AccountsError("last_bam")
    before = membership_snapshot(membership)
    subject = membership.user
    membership.delete()
    access_event_record(
        business=business,
        actor=actor,
        subject=subject,
        action=AccessEvent.Action.REMOVED,
        before=before,
    )
