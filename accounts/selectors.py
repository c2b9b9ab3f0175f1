"""Reads about businesses and access, always through what the user may see."""

from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from accounts.models import AccessEvent, AccessRequest, Business, Membership, ProgramAccount
from delegation.permissions import (
    Action,
    can,
    employee_role,
    manager_role,
    program_accounts_visible_to,
)


def dashboard_accounts(user, business: Business) -> list[dict]:
    """The business's accounts the user sees, each with the user's role on it, its balance
    where the user may see it, and whether the user may pay."""
    accounts = (
        program_accounts_visible_to(user)
        .filter(business=business)
        .select_related("balance_row")
        .order_by("bn15")
    )
    return [
        {
            "account": account,
            "role": employee_role(user, account),
            "balance": _balance(account) if can(user, Action.VIEW_STATEMENTS, account) else None,
            "may_pay": can(user, Action.PAY, account),
        }
        for account in accounts
    ]


def _balance(account: ProgramAccount) -> Decimal:
    row = getattr(account, "balance_row", None)
    return row.balance if row is not None else Decimal("0.00")


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
