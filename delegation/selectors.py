"""Reads about third parties, always through what the user may see."""

from django.db.models import Q, QuerySet

from accounts.models import Business, ProgramAccount, User
from delegation.models import AccessLogEntry, ClientGroup, Relationship, SuretyInvitation
from delegation.permissions import (
    Action,
    can,
    employee_role,
    is_bam,
    manager_role,
    relationships_acting_for,
    surety_invitations_visible_to,
    third_party_relationships_of,
)


def importer_relationships(user, importer: Business) -> QuerySet[Relationship]:
    if manager_role(user, importer) is None:
        return Relationship.objects.none()
    return importer.provider_relationships.select_related("provider").prefetch_related(
        "program_accounts"
    )


def provider_relationships(user, provider: Business) -> QuerySet[Relationship]:
    if not is_bam(user, provider):
        return Relationship.objects.none()
    return provider.client_relationships.select_related("importer").prefetch_related(
        "program_accounts"
    )


def client_accounts(user, provider: Business, *, search: str = "") -> list[tuple]:
    """The client accounts the user sees through `provider`, with what the rules let them
    see of each (RPP status only with financial-security visibility)."""
    importers = set(
        relationships_acting_for(user)
        .filter(provider=provider)
        .values_list("importer_id", flat=True)
    )
    candidates = (
        ProgramAccount.objects.filter(business_id__in=importers)
        .select_related("business")
        .order_by("business__legal_name", "bn15")
    )
    if search:
        compact = search.replace(" ", "").upper()
        candidates = candidates.filter(
            Q(business__legal_name__icontains=search.strip()) | Q(bn15__contains=compact)
        )
    candidates = list(candidates)
    # The rule of program_accounts_visible_to, asked of these accounts at once (as
    # get_program_account_for asks it of one): a role, or a relationship in force.
    relationships = third_party_relationships_of(user, candidates)
    accounts = [
        account
        for account in candidates
        if relationships[account.pk] or employee_role(user, account) is not None
    ]
    return [
        (account, can(user, Action.VIEW_SECURITY, account), can(user, Action.PAY, account))
        for account in accounts
    ]


def client_groups(user, provider: Business) -> QuerySet[ClientGroup]:
    if not is_bam(user, provider):
        return ClientGroup.objects.none()
    return provider.client_groups.filter(deleted_at__isnull=True).prefetch_related(
        "clients", "employees"
    )


def group_candidates(provider: Business) -> tuple[QuerySet[Business], QuerySet[User]]:
    clients = Business.objects.filter(
        provider_relationships__provider=provider,
        provider_relationships__status__in=[
            Relationship.Status.PENDING,
            Relationship.Status.ACTIVE,
        ],
    ).distinct()
    employees = User.objects.filter(memberships__business=provider).order_by("email")
    return clients, employees


def access_log(user, importer: Business, *, limit: int = 200) -> QuerySet[AccessLogEntry]:
    if not is_bam(user, importer):
        return AccessLogEntry.objects.none()
    return importer.access_log.select_related("user", "provider", "program_account")[:limit]


def account_surety_invitations(user, program_account: ProgramAccount) -> QuerySet:
    """An account's invitations to sureties, newest first, for those who invite them."""
    if not can(user, Action.INVITE_SURETY, program_account):
        return SuretyInvitation.objects.none()
    return program_account.surety_invitations.select_related("surety", "invited_by")


def surety_invitations(user) -> QuerySet:
    """The invitations a surety's people see (`surety_invitations_visible_to`), newest
    first."""
    return surety_invitations_visible_to(user).select_related("program_account__business")
