"""Reads of applications, always through what the user may see: a BN application by its
applicant; a program account application by the business's BAMs (and its applicant); an
RPP application by those who see the account's financial security."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.http import Http404

from accounts.models import Business, ProgramAccount, Role
from accounts.names import WORDS, legal_name_key
from delegation.permissions import (
    Action,
    businesses_of,
    can,
    is_bam,
    program_accounts_visible_to,
    third_party_relationships_of,
)
from enrolment.models import BusinessNumberApplication, ProgramAccountApplication, RppApplication
from security.rules import required_security
from security.selectors import Requirement, coverage


def bn_applications_of(user):
    return BusinessNumberApplication.objects.filter(applicant=user).select_related("business")


def account_applications_of(user):
    managed = businesses_of(user).filter(memberships__user=user, memberships__role=Role.BAM)
    return ProgramAccountApplication.objects.filter(
        Q(business__in=managed) | Q(applicant=user)
    ).select_related("business", "program_account")


def rpp_applications_of(user):
    """RPP applications of the accounts whose financial security the user sees."""
    accounts = list(program_accounts_visible_to(user).select_related("business"))
    third_party_relationships_of(user, accounts)  # every row's rights at once
    visible = [account for account in accounts if can(user, Action.VIEW_SECURITY, account)]
    return RppApplication.objects.filter(program_account__in=visible).select_related(
        "program_account__business"
    )


def get_bn_application_for(user, pk: int) -> BusinessNumberApplication:
    application = bn_applications_of(user).filter(pk=pk).first()
    if application is None:
        raise Http404
    return application


def get_account_application_for(user, pk: int) -> ProgramAccountApplication:
    application = account_applications_of(user).filter(pk=pk).first()
    if application is None:
        raise Http404
    return application


def get_rpp_application_for(user, pk: int) -> RppApplication:
    application = (
        RppApplication.objects.select_related("program_account__business").filter(pk=pk).first()
    )
    if application is None or not can(user, Action.VIEW_SECURITY, application.program_account):
        raise Http404
    return application


def may_apply_for(user, program_account: ProgramAccount) -> bool:
    """Enrolling in RPP and leaving it are asked by the business's BAM."""
    return is_bam(user, program_account.business)


def open_rpp_application(program_account: ProgramAccount) -> RppApplication | None:
    return program_account.rpp_applications.filter(status=RppApplication.Status.SUBMITTED).first()


@dataclass(frozen=True)
class RppPreview:
    """What an RPP application shows before it is sent: the security required to enrol
    (a new importer's minimum until its first review), what is posted, what is missing,
    and what the expected receivables would require at the first annual review."""

    required: Requirement
    posted_bonds: Decimal
    posted_cash: Decimal
    shortfall: Decimal
    expected_bond: Decimal | None
    expected_cash: Decimal | None


def rpp_preview(
    program_account: ProgramAccount, day: datetime.date, expected_monthly_ar: Decimal | None
) -> RppPreview:
    cover = coverage(program_account, day)
    expected = required_security(expected_monthly_ar) if expected_monthly_ar else (None, None)
    return RppPreview(
        required=cover.required,
        posted_bonds=cover.bonds,
        posted_cash=cover.cash,
        shortfall=cover.shortfall,
        expected_bond=expected[0],
        expected_cash=expected[1],
    )


def businesses_named(legal_name: str) -> list[Business]:
    """Businesses on record whose legal name is the same as this one (accounts.names): what
    an officer checks before giving a new business number. Narrowed in SQL by the name's
    longest word, compared in full here."""
    longest = max(WORDS.findall(legal_name.lower()), key=len, default="")
    if len(longest) < 3:
        return []
    key = legal_name_key(legal_name)
    candidates = Business.objects.filter(legal_name__icontains=longest).only("bn9", "legal_name")
    return [business for business in candidates if legal_name_key(business.legal_name) == key]
