"""The one authorization module: who may see and do what on a program account.

Every page, export, API endpoint and admin-side portal action asks here. Lists are
filtered through `program_accounts_visible_to`; single objects are fetched through
`get_program_account_for` / `get_business_for`, which answer 404 for what the user may not
see and 403 for what they may see but not do.

Two ways lead to an account:
- employees act through their role in the business (docs/rules.md §2);
- a service provider's people act through a business relationship in force, within its
  access level and visibility rules; the provider's BAM for every client, its other
  employees only for the clients of their client groups (docs/rules.md §3).
Nothing is cached beyond one request, so a revocation holds on the next one.
"""

from collections.abc import Iterable
from enum import StrEnum

import rules
from django.contrib.postgres.aggregates import ArrayAgg
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.identifiers import IdentifierError, normalize_program_account
from accounts.models import ROLE_RANK, Business, Membership, ProgramAccount, Role
from delegation.models import ClientGroup, Relationship, RelationshipAccount, SuretyInvitation


class Action(StrEnum):
    VIEW_ACCOUNT = "view_account"
    VIEW_OWN_TRANSACTIONS = "view_own_transactions"
    VIEW_OTHERS_TRANSACTIONS = "view_others_transactions"
    VIEW_STATEMENTS = "view_statements"
    VIEW_SECURITY = "view_security"
    REQUEST_REDUCTION = "request_reduction"
    FILE_DECLARATION = "file_declaration"
    CORRECT_DECLARATION = "correct_declaration"
    PAY = "pay"
    MANAGE_ACCESS = "manage_access"
    MANAGE_RELATIONSHIPS = "manage_relationships"
    CANCEL_BOND = "cancel_bond"
    VIEW_CASES = "view_cases"
    FILE_CASE = "file_case"
    MANAGE_BANKING = "manage_banking"
    INVITE_SURETY = "invite_surety"


ACTION_LABELS = {
    Action.VIEW_ACCOUNT: _("Program account"),
    Action.VIEW_OWN_TRANSACTIONS: _("Transactions it filed"),
    Action.VIEW_OTHERS_TRANSACTIONS: _("Transactions filed by others"),
    Action.VIEW_STATEMENTS: _("Statements, balance and payments"),
    Action.VIEW_SECURITY: _("Financial security"),
    Action.REQUEST_REDUCTION: _("Lower security requirement requested"),
    Action.FILE_DECLARATION: _("Declaration filed"),
    Action.CORRECT_DECLARATION: _("Declaration corrected"),
    Action.PAY: _("Payment"),
    Action.MANAGE_ACCESS: _("Access management"),
    Action.MANAGE_RELATIONSHIPS: _("Third-party relationships"),
    Action.CANCEL_BOND: _("Surety bond cancelled"),
    Action.VIEW_CASES: _("Cases"),
    Action.FILE_CASE: _("Case filed or followed up"),
    Action.MANAGE_BANKING: _("Pre-authorized debits, refunds and how payments apply"),
    Action.INVITE_SURETY: _("Surety invited or invitation withdrawn"),
}

READ_ACTIONS = frozenset(
    {
        Action.VIEW_ACCOUNT,
        Action.VIEW_OWN_TRANSACTIONS,
        Action.VIEW_OTHERS_TRANSACTIONS,
        Action.VIEW_STATEMENTS,
        Action.VIEW_SECURITY,
        Action.VIEW_CASES,
    }
)
EDIT_ACTIONS = READ_ACTIONS | {
    Action.FILE_DECLARATION,
    Action.CORRECT_DECLARATION,
    Action.PAY,
    Action.REQUEST_REDUCTION,  # Update Requirement, on the Financial Security page
    Action.FILE_CASE,  # appeals and ruling requests, their messages and documents
}
MANAGE_ACTIONS = EDIT_ACTIONS | {
    Action.MANAGE_ACCESS,
    Action.MANAGE_RELATIONSHIPS,
    Action.CANCEL_BOND,  # the importer's side; a surety cancels through bond_issuer_for
}

# The importer's bank account and its money, and who may post security for it: only its
# Business Account Manager, never a third party (docs/rules.md §7, §12).
BAM_ACTIONS = MANAGE_ACTIONS | {Action.MANAGE_BANKING, Action.INVITE_SURETY}

# What each employee role may do on the program accounts it covers.
ROLE_ACTIONS = {
    Role.READER: READ_ACTIONS,
    Role.EDITOR: EDIT_ACTIONS,
    Role.PAM: MANAGE_ACTIONS,
    Role.BAM: BAM_ACTIONS,
}

LEVEL_ACTIONS = {
    Relationship.Level.READER: READ_ACTIONS,
    Relationship.Level.EDITOR: EDIT_ACTIONS,
}


def _request_cache(user, name: str) -> dict:
    """Memo for one request: hangs on the user object, which lives as long as the request."""
    return user.__dict__.setdefault(f"_carm_{name}", {})


# --- Employees ---------------------------------------------------------------------------


def _membership(user, business_id: int) -> Membership | None:
    """The user's membership of a business. All of them are read at the first question (a
    person works for a few businesses), so a page of many accounts asks no more."""
    memberships = user.__dict__.get("_carm_memberships")
    if memberships is None:  # kept whole once read: threads sharing a user see all or none
        memberships = {
            membership.business_id: membership
            for membership in Membership.objects.filter(user=user).annotate(
                account_ids=ArrayAgg(
                    "program_accounts", filter=Q(program_accounts__isnull=False), default=[]
                )
            )
        }
        user.__dict__["_carm_memberships"] = memberships
    return memberships.get(business_id)


def employee_role(user, program_account: ProgramAccount) -> Role | None:
    """The role through which the user works on this account as an employee, if any."""
    if not user.is_authenticated:
        return None
    membership = _membership(user, program_account.business_id)
    if membership is None:
        return None
    if membership.role == Role.BAM:
        return Role.BAM
    if program_account.pk in membership.account_ids:
        return Role(membership.role)
    return None


def employee_allows(user, program_account: ProgramAccount, actions: Iterable[Action]) -> bool:
    """Whether the user's role on the account, as an employee, allows every one of
    `actions`: `can` then never asks the third-party relationships about them."""
    role = employee_role(user, program_account)
    return role is not None and set(actions) <= ROLE_ACTIONS[role]


# --- Third parties -----------------------------------------------------------------------


def relationships_acting_for(user) -> QuerySet[Relationship]:
    """Relationships in force through which the user acts for an importer."""
    if not user.is_authenticated:
        return Relationship.objects.none()
    memberships = Membership.objects.filter(user=user)
    in_a_group = ClientGroup.objects.filter(
        provider=OuterRef("provider"),
        deleted_at__isnull=True,
        clients=OuterRef("importer"),
        employees=user,
    )
    return Relationship.objects.in_force(timezone.localdate()).filter(
        Q(provider_id__in=memberships.filter(role=Role.BAM).values("business_id"))
        | (Q(provider_id__in=memberships.values("business_id")) & Exists(in_a_group))
    )


def _relationship_actions(user, relationship: Relationship) -> frozenset:
    actions = set(LEVEL_ACTIONS[relationship.level])
    if not relationship.sees_others_transactions:
        actions.discard(Action.VIEW_OTHERS_TRANSACTIONS)
    if not relationship.sees_statements:
        actions.discard(Action.VIEW_STATEMENTS)
    if not relationship.sees_security:
        actions -= {Action.VIEW_SECURITY, Action.REQUEST_REDUCTION}
    if not relationship.sees_cases:
        actions -= {Action.VIEW_CASES, Action.FILE_CASE}
    # A provider employee never does more than their own role allows.
    membership = _membership(user, relationship.provider_id)
    return frozenset(actions & ROLE_ACTIONS[Role(membership.role)]) if membership else frozenset()


def third_party_relationships(user, program_account: ProgramAccount) -> list[Relationship]:
    """The relationships in force that let the user act on this account."""
    return third_party_relationships_of(user, [program_account])[program_account.pk]


def third_party_relationships_of(
    user, program_accounts: Iterable[ProgramAccount]
) -> dict[int, list[Relationship]]:
    """`third_party_relationships` of many accounts in at most two queries, kept for the
    request: a list page asks this first, then `can` of each row costs nothing."""
    cache = _request_cache(user, "relationships")
    accounts = list(program_accounts)
    todo = {account.pk: account for account in accounts if account.pk not in cache}
    if todo:
        relationships = list(
            relationships_acting_for(user).filter(
                importer_id__in={account.business_id for account in todo.values()}
            )
        )
        # Program Management covers the accounts the importer chose; Business Management all.
        programs = [r for r in relationships if r.kind == Relationship.Kind.PROGRAM_MANAGEMENT]
        chosen = set()
        if programs:
            chosen = set(
                RelationshipAccount.objects.filter(
                    relationship__in=programs, program_account_id__in=list(todo)
                ).values_list("relationship_id", "program_account_id")
            )
        for pk, account in todo.items():
            cache[pk] = [
                r
                for r in relationships
                if r.importer_id == account.business_id
                and (r.kind == Relationship.Kind.BUSINESS_MANAGEMENT or (r.pk, pk) in chosen)
            ]
    return {account.pk: cache[account.pk] for account in accounts}


def third_party_actions(user, program_account: ProgramAccount) -> frozenset:
    if not user.is_authenticated:
        return frozenset()
    actions: set = set()
    for relationship in third_party_relationships(user, program_account):
        actions |= _relationship_actions(user, relationship)
    return frozenset(actions)


# --- Rules ---------------------------------------------------------------------------------


def _allows(action: Action):
    @rules.predicate(name=f"employee_may_{action}")
    def employee_may(user, program_account) -> bool:
        return employee_allows(user, program_account, [action])

    @rules.predicate(name=f"third_party_may_{action}")
    def third_party_may(user, program_account) -> bool:
        return action in third_party_actions(user, program_account)

    return employee_may | third_party_may


for _action in Action:
    rules.add_rule(f"carm.{_action}", _allows(_action))


def can(user, action: Action, program_account: ProgramAccount) -> bool:
    return rules.test_rule(f"carm.{action}", user, program_account)


def program_accounts_visible_to(user) -> QuerySet[ProgramAccount]:
    """Every program account the user may at least view, as an employee or a third party."""
    if not user.is_authenticated:
        return ProgramAccount.objects.none()
    bam_of = Membership.objects.filter(user=user, role=Role.BAM).values("business_id")
    in_scope = Membership.program_accounts.through.objects.filter(membership__user=user).values(
        "programaccount_id"
    )
    acting = relationships_acting_for(user)
    whole_businesses = acting.filter(kind=Relationship.Kind.BUSINESS_MANAGEMENT).values(
        "importer_id"
    )
    chosen_accounts = RelationshipAccount.objects.filter(
        relationship__in=acting.filter(kind=Relationship.Kind.PROGRAM_MANAGEMENT)
    ).values("program_account_id")
    return ProgramAccount.objects.filter(
        Q(business_id__in=bam_of)
        | Q(pk__in=in_scope)
        | Q(business_id__in=whole_businesses)
        | Q(pk__in=chosen_accounts)
    )


def get_program_account_for(
    user, bn15: str, action: Action = Action.VIEW_ACCOUNT
) -> ProgramAccount:
    """The account if the user may do `action` on it: 404 if unseen (or not a program
    account number, written any way people write one), 403 if seen but not allowed. It
    answers and writes nothing: what a third party is shown or does is logged where the
    page is served or the change is made (delegation.services.access_log_viewed/_changed)."""
    try:
        bn15 = normalize_program_account(bn15)
    except IdentifierError:
        raise Http404 from None
    account = (
        ProgramAccount.objects.select_related("business").filter(bn15=bn15).first()
        if user.is_authenticated
        else None
    )
    # The same rule as program_accounts_visible_to, asked of one account: its employees,
    # then the third parties acting for it (both answers are kept for the request).
    if account is None or (
        employee_role(user, account) is None and not third_party_relationships(user, account)
    ):
        raise Http404
    if not can(user, action, account):
        raise PermissionDenied
    return account


# --- Businesses and access management ------------------------------------------------------


def businesses_of(user) -> QuerySet[Business]:
    """Businesses in which the user holds any role."""
    if not user.is_authenticated:
        return Business.objects.none()
    return Business.objects.filter(memberships__user=user)


def manager_role(user, business: Business) -> Role | None:
    """BAM or PAM: the roles that manage employees' access and third parties."""
    membership = _membership(user, business.pk) if user.is_authenticated else None
    if membership is None or membership.role not in (Role.BAM, Role.PAM):
        return None
    return Role(membership.role)


def is_bam(user, business: Business) -> bool:
    return manager_role(user, business) == Role.BAM


def grantable_accounts(user, business: Business) -> QuerySet[ProgramAccount]:
    """The accounts whose access the user may give, change or take away."""
    role = manager_role(user, business)
    if role == Role.BAM:
        return business.program_accounts.all()
    if role == Role.PAM:
        return business.program_accounts.filter(memberships__user=user)
    return ProgramAccount.objects.none()


def grantable_roles(user, business: Business) -> list[Role]:
    """Nobody grants a role stronger than their own."""
    role = manager_role(user, business)
    if role is None:
        return []
    return [candidate for candidate in Role if ROLE_RANK[candidate] <= ROLE_RANK[role]]


def may_manage_membership(user, membership: Membership) -> bool:
    """A BAM manages everyone; a PAM only people below BAM working inside the PAM's accounts."""
    role = manager_role(user, membership.business)
    if role == Role.BAM:
        return True
    if role != Role.PAM or membership.role == Role.BAM:
        return False
    own = set(grantable_accounts(user, membership.business).values_list("pk", flat=True))
    return {account.pk for account in membership.program_accounts.all()} <= own


def may_manage_relationship(user, relationship: Relationship) -> bool:
    """The importer's BAM manages every relationship; a PAM only Program Management ones
    that stay within its accounts."""
    role = manager_role(user, relationship.importer)
    if role == Role.BAM:
        return True
    if role != Role.PAM or relationship.kind != Relationship.Kind.PROGRAM_MANAGEMENT:
        return False
    own = set(grantable_accounts(user, relationship.importer).values_list("pk", flat=True))
    return set(relationship.program_accounts.values_list("pk", flat=True)) <= own


def get_business_for(user, bn9: str, *, manage: bool = False, bam: bool = False) -> Business:
    """The business if the user belongs to it (404 otherwise); with `manage`, 403 unless
    a BAM or PAM; with `bam`, 403 unless a BAM."""
    business = businesses_of(user).filter(bn9=bn9).first()
    if business is None:
        raise Http404
    if manage and manager_role(user, business) is None:
        raise PermissionDenied
    if bam and not is_bam(user, business):
        raise PermissionDenied
    return business


def get_provider_for(user, bn9: str, *, bam: bool = False) -> Business:
    """A service provider the user works for (404 otherwise; 403 if `bam` and not its BAM)."""
    business = get_business_for(user, bn9, bam=bam)
    if not business.is_service_provider:
        raise Http404
    return business


def relationships_visible_to(user) -> QuerySet[Relationship]:
    """Relationships the user may read: those of businesses they manage or provide for."""
    if not user.is_authenticated:
        return Relationship.objects.none()
    managed = Membership.objects.filter(user=user, role__in=[Role.BAM, Role.PAM]).values(
        "business_id"
    )
    provider_of = Membership.objects.filter(user=user, role=Role.BAM).values("business_id")
    acting = relationships_acting_for(user).values("pk")
    return Relationship.objects.filter(
        Q(importer_id__in=managed) | Q(provider_id__in=provider_of) | Q(pk__in=acting)
    )


# --- Sureties ------------------------------------------------------------------------------


def surety_of(user) -> Business | None:
    """The surety (e-bond issuer) the user works for, if any."""
    if not user.is_authenticated:
        return None
    membership = (
        Membership.objects.filter(user=user, business__is_surety=True)
        .select_related("business")
        .first()
    )
    return membership.business if membership else None


# A surety's readers see its bonds; the others post them.
BOND_POSTERS = (Role.BAM, Role.PAM, Role.EDITOR)


def bond_issuer_for(user) -> Business | None:
    """The surety whose bonds the user may post: none for its readers, nor for anyone who
    does not work for a surety."""
    if not user.is_authenticated:
        return None
    membership = (
        Membership.objects.filter(user=user, business__is_surety=True, role__in=BOND_POSTERS)
        .select_related("business")
        .first()
    )
    return membership.business if membership else None


def may_post_bond(user, program_account: ProgramAccount) -> bool:
    """Whether the user may post a bond for this account: they post the bonds of a surety
    (`bond_issuer_for`) that holds a standing invitation from the account's importer
    (docs/rules.md §7). A surety is no third party of the importer: nothing else of the
    account is open to it."""
    surety = bond_issuer_for(user)
    return (
        surety is not None
        and SuretyInvitation.objects.standing()
        .filter(surety=surety, program_account=program_account)
        .exists()
    )


def program_account_for_bond(user, bn15: str) -> ProgramAccount | None:
    """The account a surety's user posts a bond for, if `may_post_bond`; 403 for anyone
    who may not post the surety's bonds (`bond_issuer_for`).

    None alike for a number CBSA does not have, one written wrong, and an account whose
    importer did not invite the surety: the refusal tells nothing of which."""
    surety = bond_issuer_for(user)
    if surety is None:
        raise PermissionDenied
    try:
        bn15 = normalize_program_account(bn15)
    except IdentifierError:
        return None
    return (
        ProgramAccount.objects.select_related("business")
        .filter(
            bn15=bn15,
            pk__in=SuretyInvitation.objects.standing()
            .filter(surety=surety)
            .values("program_account_id"),
        )
        .first()
    )


def surety_invitations_visible_to(user) -> QuerySet[SuretyInvitation]:
    """The invitations a surety's people see: those that stand, and those withdrawn after
    a bond was posted under them. One withdrawn before any bond tells nothing more."""
    surety = surety_of(user)
    if surety is None:
        return SuretyInvitation.objects.none()
    return SuretyInvitation.objects.filter(surety=surety).filter(
        Q(withdrawn_at__isnull=True) | Q(used_at__isnull=False)
    )


def program_accounts_seen_by_surety(user) -> QuerySet[ProgramAccount]:
    """The accounts whose bonds (and importer's legal name) a surety's people see: those
    of `surety_invitations_visible_to`."""
    return ProgramAccount.objects.filter(
        pk__in=surety_invitations_visible_to(user).values("program_account_id")
    )
