"""Business relationships, client groups and the importer's access log."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.identifiers import IdentifierError, normalize_bn9
from accounts.models import Business, ProgramAccount, Role, User
from delegation.errors import DelegationError
from delegation.models import AccessLogEntry, ClientGroup, Relationship, SuretyInvitation
from delegation.permissions import (
    Action,
    can,
    employee_role,
    grantable_accounts,
    is_bam,
    manager_role,
    may_manage_relationship,
    third_party_relationships,
)
from notifications.kinds import Kind
from notifications.services import notification_send


def _lock(relationship: Relationship, *, status: str) -> Relationship:
    """Lock order: the importer's business row, then the relationship, which must still be
    in `status`."""
    Business.objects.select_for_update().get(pk=relationship.importer_id)
    relationship = (
        Relationship.objects.select_for_update()
        .select_related("provider", "importer")
        .get(pk=relationship.pk)
    )
    if relationship.status != status:
        pending = status == Relationship.Status.PENDING
        raise DelegationError("request_decided" if pending else "relationship_not_active")
    return relationship


def _decision(status: str, actor: User) -> dict:
    return {"status": status, "decided_by": actor, "decided_at": timezone.now()}


def _notify_both_sides(relationship: Relationship, *, kind: Kind, step: str, actor: User) -> None:
    """The provider's BAMs and the importer's BAMs and PAMs hear of each step, except the
    person who took it."""
    sides = [
        (relationship.provider, [Role.BAM], "provider_relationships"),
        (relationship.importer, [Role.BAM, Role.PAM], "third_parties"),
    ]
    for business, roles, page in sides:
        people = business.memberships.filter(role__in=roles).exclude(user=actor)
        for membership in people.select_related("user"):
            notification_send(
                recipient=membership.user,
                kind=kind,
                dedupe_key=f"relationship:{relationship.pk}:{step}",
                context={
                    "provider": relationship.provider.legal_name,
                    "business": relationship.importer.legal_name,
                },
                route=page,
                route_args=[business.bn9],
            )


@transaction.atomic
def relationship_request(
    *, actor: User, provider: Business, importer_bn9: str, kind: str, comment: str = ""
) -> Relationship:
    """A provider's BAM asks an importer for a relationship; the importer's managers are told."""
    if not (provider.is_service_provider and is_bam(actor, provider)):
        raise DelegationError("not_manageable")
    try:
        importer_bn9 = normalize_bn9(importer_bn9)
    except IdentifierError as error:
        raise DelegationError(error.code) from None
    importer = Business.objects.filter(bn9=importer_bn9, is_importer=True).first()
    if importer is None or importer == provider:
        raise DelegationError("unknown_importer")
    try:
        with transaction.atomic():
            relationship = Relationship.objects.create(
                provider=provider,
                importer=importer,
                kind=kind,
                comment=comment.strip(),
                requested_by=actor,
            )
    except IntegrityError:
        raise DelegationError("relationship_open") from None
    _notify_both_sides(relationship, kind=Kind.THIRD_PARTY_REQUEST, step="requested", actor=actor)
    return relationship


def _check_terms(
    *, actor: User, relationship: Relationship, program_accounts, ends_on: datetime.date | None
) -> list[ProgramAccount]:
    if ends_on is not None and ends_on < timezone.localdate():
        raise DelegationError("ends_in_past")
    if relationship.kind == Relationship.Kind.BUSINESS_MANAGEMENT:
        if not is_bam(actor, relationship.importer):
            raise DelegationError("not_manageable")
        return []
    accounts = list(program_accounts)
    if not accounts:
        raise DelegationError("scope_required")
    allowed = set(grantable_accounts(actor, relationship.importer).values_list("pk", flat=True))
    if any(account.pk not in allowed for account in accounts):
        raise DelegationError("scope_not_grantable")
    return accounts


def _apply_terms(relationship: Relationship, *, accounts, terms: dict) -> None:
    for field, value in terms.items():
        setattr(relationship, field, value)
    relationship.save()
    relationship.program_accounts.set(accounts)


TERMS = (
    "level",
    "sees_others_transactions",
    "sees_statements",
    "sees_security",
    "sees_cases",
    "ends_on",
)


@transaction.atomic
def relationship_approve(
    *, actor: User, relationship: Relationship, program_accounts=(), **terms
) -> Relationship:
    """The importer approves: which accounts (Program Management), access level, visibility
    rules and an optional end date."""
    relationship = _lock(relationship, status=Relationship.Status.PENDING)
    if manager_role(actor, relationship.importer) is None:
        raise DelegationError("not_manageable")
    accounts = _check_terms(
        actor=actor,
        relationship=relationship,
        program_accounts=program_accounts,
        ends_on=terms.get("ends_on"),
    )
    terms = {field: terms[field] for field in TERMS if field in terms}
    _apply_terms(
        relationship,
        accounts=accounts,
        terms={**terms, **_decision(Relationship.Status.ACTIVE, actor)},
    )
    _notify_both_sides(relationship, kind=Kind.THIRD_PARTY_APPROVED, step="approved", actor=actor)
    return relationship


@transaction.atomic
def relationship_reject(*, actor: User, relationship: Relationship) -> Relationship:
    relationship = _lock(relationship, status=Relationship.Status.PENDING)
    if manager_role(actor, relationship.importer) is None or not may_manage_relationship(
        actor, relationship
    ):
        raise DelegationError("not_manageable")
    _apply_terms(
        relationship,
        accounts=[],
        terms=_decision(Relationship.Status.REJECTED, actor),
    )
    _notify_both_sides(relationship, kind=Kind.THIRD_PARTY_REJECTED, step="rejected", actor=actor)
    return relationship


@transaction.atomic
def relationship_update(
    *, actor: User, relationship: Relationship, program_accounts=(), **terms
) -> Relationship:
    """Change the accounts, access level, visibility rules or end date of a relationship."""
    relationship = _lock(relationship, status=Relationship.Status.ACTIVE)
    if not may_manage_relationship(actor, relationship):
        raise DelegationError("not_manageable")
    accounts = _check_terms(
        actor=actor,
        relationship=relationship,
        program_accounts=program_accounts,
        ends_on=terms.get("ends_on"),
    )
    terms = {field: terms[field] for field in TERMS if field in terms}
    _apply_terms(relationship, accounts=accounts, terms=terms)
    _notify_both_sides(
        relationship,
        kind=Kind.THIRD_PARTY_CHANGED,
        step=f"changed:{timezone.now().isoformat()}",
        actor=actor,
    )
    return relationship


@transaction.atomic
def relationship_revoke(*, actor: User, relationship: Relationship) -> Relationship:
    relationship = _lock(relationship, status=Relationship.Status.ACTIVE)
    if not may_manage_relationship(actor, relationship):
        raise DelegationError("not_manageable")
    relationship.status = Relationship.Status.REVOKED
    relationship.save(update_fields=["status"])
    _notify_both_sides(relationship, kind=Kind.THIRD_PARTY_REVOKED, step="revoked", actor=actor)
    return relationship


# --- Client groups -------------------------------------------------------------------------


@transaction.atomic
def client_group_create(*, actor: User, provider: Business, name: str) -> ClientGroup:
    if not is_bam(actor, provider):
        raise DelegationError("not_manageable")
    try:
        with transaction.atomic():
            return ClientGroup.objects.create(provider=provider, name=name.strip())
    except IntegrityError:
        raise DelegationError("group_name_taken") from None


@transaction.atomic
def client_group_update(*, actor: User, group: ClientGroup, clients, employees) -> ClientGroup:
    """Set a group's clients (importers in a relationship with the provider) and employees
    (people of the provider)."""
    provider = group.provider
    if not is_bam(actor, provider) or group.deleted_at is not None:
        raise DelegationError("not_manageable")
    client_ids = set(
        Relationship.objects.filter(
            provider=provider,
            status__in=[Relationship.Status.PENDING, Relationship.Status.ACTIVE],
        ).values_list("importer_id", flat=True)
    )
    clients, employees = list(clients), list(employees)
    if any(client.pk not in client_ids for client in clients):
        raise DelegationError("not_a_client")
    staff = set(provider.memberships.values_list("user_id", flat=True))
    if any(employee.pk not in staff for employee in employees):
        raise DelegationError("not_an_employee")
    group.clients.set(clients)
    group.employees.set(employees)
    return group


@transaction.atomic
def client_group_delete(*, actor: User, group: ClientGroup) -> None:
    """Delete a group; its row stays so that its name is never used again."""
    if not is_bam(actor, group.provider):
        raise DelegationError("not_manageable")
    group.clients.clear()
    group.employees.clear()
    group.deleted_at = timezone.now()
    group.save(update_fields=["deleted_at"])


# --- Surety invitations -------------------------------------------------------------------


def _notify_surety(invitation: SuretyInvitation, *, kind: Kind, step: str) -> None:
    """Every person of the surety hears of its invitations: its readers see its bonds too."""
    account = invitation.program_account
    for membership in invitation.surety.memberships.select_related("user"):
        notification_send(
            recipient=membership.user,
            kind=kind,
            dedupe_key=f"surety_invitation:{invitation.pk}:{step}",
            context={"business": account.business.legal_name, "account": account.display_number},
            route="surety_invitations",
        )


@transaction.atomic
def surety_invite(
    *,
    actor: User,
    program_account: ProgramAccount,
    surety_bn9: str,
    at: datetime.datetime | None = None,
) -> SuretyInvitation:
    """The importer's BAM invites a surety company, by its business number, to post
    financial security for a program account; the surety's people are told. A number that
    is no surety's is refused in the same words whether CBSA knows the business or not."""
    if not can(actor, Action.INVITE_SURETY, program_account):
        raise DelegationError("not_inviting")
    try:
        surety_bn9 = normalize_bn9(surety_bn9)
    except IdentifierError as error:
        raise DelegationError(error.code) from None
    surety = Business.objects.filter(bn9=surety_bn9, is_surety=True).first()
    if surety is None or surety.pk == program_account.business_id:
        raise DelegationError("unknown_surety")
    try:
        with transaction.atomic():
            invitation = SuretyInvitation.objects.create(
                program_account=program_account,
                surety=surety,
                invited_by=actor,
                created_at=at or timezone.now(),
            )
    except IntegrityError:
        raise DelegationError("surety_invited") from None
    _notify_surety(invitation, kind=Kind.SURETY_INVITED, step="invited")
    return invitation


@transaction.atomic
def surety_invitation_withdraw(*, actor: User, invitation: SuretyInvitation) -> SuretyInvitation:
    """The importer's BAM withdraws an invitation: the surety posts no new bond for the
    account; the bonds it already posted stay until cancelled."""
    invitation = (
        SuretyInvitation.objects.select_for_update()
        .select_related("program_account__business", "surety")
        .get(pk=invitation.pk)
    )
    if not can(actor, Action.INVITE_SURETY, invitation.program_account):
        raise DelegationError("not_inviting")
    if invitation.withdrawn_at is not None:
        raise DelegationError("invitation_withdrawn")
    invitation.withdrawn_at, invitation.withdrawn_by = timezone.now(), actor
    invitation.save(update_fields=["withdrawn_at", "withdrawn_by"])
    _notify_surety(invitation, kind=Kind.SURETY_INVITATION_WITHDRAWN, step="withdrawn")
    return invitation


# --- Access log ----------------------------------------------------------------------------


def access_log_viewed(
    *,
    user: User,
    program_account: ProgramAccount,
    action: Action = Action.VIEW_ACCOUNT,
    what: str = "",
) -> None:
    """A provider's employee was shown something of an importer's account (`action` names
    what: its transactions, statements …): called where the page or export is served."""
    _access_log_write(user, program_account, AccessLogEntry.Action.VIEWED, what or str(action))


def access_log_changed(
    *,
    user: User,
    program_account: ProgramAccount,
    action: Action,
    what: str = "",
    at: datetime.datetime | None = None,
) -> None:
    """A provider's employee changed something on an importer's account: called by the
    service that made the change, after it succeeded, in its transaction, at its moment."""
    _access_log_write(user, program_account, AccessLogEntry.Action.CHANGED, what or str(action), at)


def _access_log_write(
    user: User,
    program_account: ProgramAccount,
    kind: str,
    what: str,
    at: datetime.datetime | None = None,
) -> None:
    """Only third parties are logged: the importer's own people are not."""
    if employee_role(user, program_account) is not None:
        return
    relationships = third_party_relationships(user, program_account)
    if not relationships:
        return
    AccessLogEntry.objects.create(
        importer_id=program_account.business_id,
        provider_id=relationships[0].provider_id,
        user=user,
        program_account=program_account,
        action=kind,
        what=what[:200],
        at=at or timezone.now(),
    )
