"""Reads of cases, always through what the user may see: a case is seen by those who may
see its program account's cases (its employees; a third party only with the "Cases"
grant). A case of an account the user does not see is 404; of an account the user sees
without that right, 403."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import ProgramAccount
from cases.models import Case, CaseDeclaration, Ruling
from cases.rules import appeal_deadline, appeal_kind_on, extension_deadline
from delegation.permissions import (
    Action,
    can,
    program_accounts_visible_to,
    third_party_relationships_of,
)
from financial.models import Declaration, DeclarationVersion
from financial.selectors import declarations_visible_to


def accounts_with_cases_for(user, action: Action = Action.VIEW_CASES) -> list[ProgramAccount]:
    """The accounts whose cases the user may see (or, with FILE_CASE, file)."""
    accounts = list(program_accounts_visible_to(user).select_related("business"))
    third_party_relationships_of(user, accounts)  # every account's rights at once
    return [account for account in accounts if can(user, action, account)]


def cases_visible_to(user, program_account: ProgramAccount | None = None) -> QuerySet[Case]:
    if program_account is not None:
        accounts = [program_account] if can(user, Action.VIEW_CASES, program_account) else []
    else:
        accounts = accounts_with_cases_for(user)
    return Case.objects.filter(program_account__in=accounts).select_related(
        "program_account__business", "filed_by"
    )


def get_case_for(user, pk: int, action: Action = Action.VIEW_CASES) -> Case:
    case = (
        Case.objects.select_related("program_account__business", "filed_by", "filed_by_user")
        .filter(pk=pk, program_account__in=program_accounts_visible_to(user))
        .first()
    )
    if case is None:
        raise Http404
    if not can(user, action, case.program_account):
        raise PermissionDenied
    return case


def case_page(case: Case) -> dict:
    """Everything a case's page shows, each list in one query."""
    return {
        "declarations": list(
            case.declarations.select_related("declaration", "posting").order_by("id")
        ),
        "events": list(case.events.select_related("actor")),
        "conversation": list(case.messages.select_related("author").prefetch_related("documents")),
        "documents": list(case.documents.select_related("uploaded_by")),
        "ruling": Ruling.objects.filter(case=case).first(),
    }


# --- What may be appealed -----------------------------------------------------------------


def with_decision_dates(declarations: QuerySet[Declaration]) -> QuerySet[Declaration]:
    """Each declaration with `decided_at`: when an officer last approved or rejected one of
    its adjustments, the decision an appeal contests; without one, the accounting itself
    (its filing) is the decision."""
    return declarations.annotate(
        decided_at=Max(
            "versions__decided_at",
            filter=Q(
                versions__kind=DeclarationVersion.Kind.ADJUSTMENT,
                versions__status__in=[
                    DeclarationVersion.Status.APPROVED,
                    DeclarationVersion.Status.REJECTED,
                ],
            ),
        )
    )


def decision_date(declaration: Declaration) -> datetime.date:
    """The Eastern date of the decision on a declaration from `with_decision_dates`."""
    return timezone.localtime(declaration.decided_at or declaration.filed_at).date()


@dataclass(frozen=True)
class Appealable:
    declaration: Declaration
    decision_date: datetime.date
    kind: str | None  # "appeal", "appeal_extension", or None: too late
    appeal_until: datetime.date
    extension_until: datetime.date
    under_appeal: bool


def appealable_declarations(user, program_account: ProgramAccount, today: datetime.date):
    """The account's declarations the user may see, newest first, each with its decision's
    date, what it may still be appealed by, and whether an open appeal covers it."""
    declarations = with_decision_dates(declarations_visible_to(user, program_account))
    open_appeals = set(
        CaseDeclaration.objects.filter(
            case__program_account=program_account,
            case__status__in=[Case.Status.DRAFT, *Case.OPEN],
        ).values_list("declaration_id", flat=True)
    )
    rows = []
    for declaration in declarations.order_by("-filed_at"):
        decided = decision_date(declaration)
        rows.append(
            Appealable(
                declaration=declaration,
                decision_date=decided,
                kind=appeal_kind_on(decided, today),
                appeal_until=appeal_deadline(decided),
                extension_until=extension_deadline(decided),
                under_appeal=declaration.pk in open_appeals,
            )
        )
    return rows


def cases_waiting_on(user, accounts: Iterable[ProgramAccount]) -> QuerySet[Case]:
    """Cases of these accounts (ones the user sees, as the home page lists them) on which
    CBSA asked for information the user may give."""
    answerable = [account for account in accounts if can(user, Action.FILE_CASE, account)]
    return Case.objects.filter(
        program_account__in=answerable, status=Case.Status.INFORMATION_REQUESTED
    ).select_related("program_account")


def rulings_of(user, program_account: ProgramAccount) -> QuerySet[Ruling]:
    if not can(user, Action.VIEW_CASES, program_account):
        return Ruling.objects.none()
    return Ruling.objects.filter(case__program_account=program_account).select_related("case")
