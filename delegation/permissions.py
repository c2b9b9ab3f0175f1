"""The one authorization module: who may see and do what on a program account.

Every page, export, API endpoint and admin-side portal action asks here. Lists are
filtered through `program_accounts_visible_to`; single objects are fetched through
`get_program_account_for` / `get_business_for`, which answer 404 for what the user may not
see and 403 for what they may see but not do.

Employees act through their role in the business (domain.md §2). Third-party service
providers join through business relationships (domain.md §3).
"""

from enum import StrEnum

import rules
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import ROLE_RANK, Business, Membership, ProgramAccount, Role


class Action(StrEnum):
    VIEW_ACCOUNT = "view_account"
    VIEW_OWN_TRANSACTIONS = "view_own_transactions"
    VIEW_OTHERS_TRANSACTIONS = "view_others_transactions"
    VIEW_STATEMENTS = "view_statements"
    VIEW_SECURITY = "view_security"
    FILE_DECLARATION = "file_declaration"
    CORRECT_DECLARATION = "correct_declaration"
    PAY = "pay"
    MANAGE_ACCESS = "manage_access"
    MANAGE_RELATIONSHIPS = "manage_relationships"


READ_ACTIONS = frozenset(
    {
        Action.VIEW_ACCOUNT,
        Action.VIEW_OWN_TRANSACTIONS,
        Action.VIEW_OTHERS_TRANSACTIONS,
        Action.VIEW_STATEMENTS,
        Action.VIEW_SECURITY,
    }
)
EDIT_ACTIONS = READ_ACTIONS | {Action.FILE_DECLARATION, Action.CORRECT_DECLARATION, Action.PAY}
MANAGE_ACTIONS = EDIT_ACTIONS | {Action.MANAGE_ACCESS, Action.MANAGE_RELATIONSHIPS}

# What each employee role may do on the program accounts it covers.
ROLE_ACTIONS = {
    Role.READER: READ_ACTIONS,
    Role.EDITOR: EDIT_ACTIONS,
    Role.PAM: MANAGE_ACTIONS,
    Role.BAM: MANAGE_ACTIONS,
}


# --- Employees ---------------------------------------------------------------------------


def _membership(user, business_id: int) -> Membership | None:
    """The user's membership in a business, read once per request and user."""
    cache = user.__dict__.setdefault("_carm_memberships", {})
    if business_id not in cache:
        cache[business_id] = (
            Membership.objects.filter(user=user, business_id=business_id)
            .prefetch_related("program_accounts")
            .first()
        )
    return cache[business_id]


def employee_role(user, program_account: ProgramAccount) -> Role | None:
    """The role through which the user works on this account as an employee, if any."""
    if not user.is_authenticated:
        return None
    membership = _membership(user, program_account.business_id)
    if membership is None:
        return None
    if membership.role == Role.BAM:
        return Role.BAM
    if any(account.pk == program_account.pk for account in membership.program_accounts.all()):
        return Role(membership.role)
    return None


def _role_allows(action: Action):
    @rules.predicate(name=f"employee_may_{action}")
    def predicate(user, program_account) -> bool:
        role = employee_role(user, program_account)
        return role is not None and action in ROLE_ACTIONS[role]

    return predicate


for _action in Action:
    rules.add_rule(f"carm.{_action}", _role_allows(_action))


def can(user, action: Action, program_account: ProgramAccount) -> bool:
    return rules.test_rule(f"carm.{action}", user, program_account)


def program_accounts_visible_to(user) -> QuerySet[ProgramAccount]:
    """Every program account the user may at least view."""
    if not user.is_authenticated:
        return ProgramAccount.objects.none()
    bam_of = Membership.objects.filter(user=user, role=Role.BAM).values("business_id")
    in_scope = Membership.program_accounts.through.objects.filter(membership__user=user).values(
        "programaccount_id"
    )
    return ProgramAccount.objects.filter(Q(business_id__in=bam_of) | Q(pk__in=in_scope))


def get_program_account_for(
    user, bn15: str, action: Action = Action.VIEW_ACCOUNT
) -> ProgramAccount:
    """The account if the user may do `action` on it: 404 if unseen, 403 if seen but not allowed."""
    account = program_accounts_visible_to(user).select_related("business").filter(bn15=bn15).first()
    if account is None:
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
    """BAM or PAM: the roles that manage employees' access."""
    membership = _membership(user, business.pk) if user.is_authenticated else None
    if membership is None or membership.role not in (Role.BAM, Role.PAM):
        return None
    return Role(membership.role)


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


def get_business_for(user, bn9: str, *, manage: bool = False) -> Business:
    """The business if the user belongs to it (404 otherwise); with `manage`, 403 unless a
    manager."""
    business = businesses_of(user).filter(bn9=bn9).first()
    if business is None:
        raise Http404
    if manage and manager_role(user, business) is None:
        raise PermissionDenied
    return business
