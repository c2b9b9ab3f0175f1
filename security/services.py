"""Changes to RPP financial security: bonds, cash deposits, reduction requests,
suspension and reinstatement, bond renewals, the forecast nudge. domain.md §7."""

import calendar
import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Business, ProgramAccount, User
from accounts.selectors import bams_of
from delegation.permissions import Action, bond_issuer_for, can, surety_of
from delegation.services import access_log_changed
from financial.calculation import positive_cents
from financial.locks import lock_account_balance
from notifications.kinds import Kind
from notifications.services import Notice, notification_send, notifications_send
from security.errors import SecurityError
from security.models import BondRenewal, CashDeposit, ReductionRequest, SuretyBond
from security.review import RPP_STATUSES, chunks_of, highest_months
from security.rules import ZERO, required_security, review_window, review_year_due
from security.selectors import (
    Requirement,
    posted_totals,
    requirement_ahead,
    requirement_in_force,
    shortfall,
)

logger = logging.getLogger(__name__)


def _money(value) -> Decimal:
    amount = positive_cents(value)
    if amount is None:
        raise SecurityError("amount")
    return amount


def _importer_bams(program_account: ProgramAccount) -> list[User]:
    return bams_of([program_account.business_id])[program_account.business_id]


# --- Posting security ----------------------------------------------------------------------


def bond_post(
    *,
    actor: User,
    program_account: ProgramAccount,
    bond_number: str,
    amount,
    effective_date: datetime.date,
) -> SuretyBond:
    """A surety posts a bond for an RPP program account, from at most 31 days back."""
    if surety_of(actor) is None:
        raise SecurityError("not_a_surety")
    surety = bond_issuer_for(actor)
    if surety is None:
        raise SecurityError("surety_reader")
    if effective_date < timezone.localdate() - datetime.timedelta(days=31):
        raise SecurityError("effective_date")
    return bond_record(
        surety=surety,
        posted_by=actor,
        program_account=program_account,
        bond_number=bond_number,
        amount=amount,
        effective_date=effective_date,
    )


@transaction.atomic
def bond_record(
    *,
    surety: Business,
    posted_by: User,
    program_account: ProgramAccount,
    bond_number: str,
    amount,
    effective_date: datetime.date,
) -> SuretyBond:
    """A bond on the record, posted by its surety or recorded by an officer who received it
    otherwise; enough security reinstates a suspended account at once."""
    bond_number = (bond_number or "").strip()
    if not bond_number or len(bond_number) > 40:
        raise SecurityError("bond_number")
    amount = _money(amount)
    lock_account_balance(program_account)
    try:
        with transaction.atomic():
            bond = SuretyBond.objects.create(
                program_account=program_account,
                surety=surety,
                bond_number=bond_number,
                amount=amount,
                effective_date=effective_date,
                posted_by=posted_by,
            )
    except IntegrityError:
        raise SecurityError("bond_number_taken") from None
    rpp_reinstate_if_covered(program_account)
    return bond


@transaction.atomic
def bond_cancel(
    *, actor_business: Business, bond: SuretyBond, cancelled_from: datetime.date
) -> SuretyBond:
    """The importer or the surety stops a bond from a date on (today or later): it counts
    no more from that day and does not renew."""
    if actor_business.pk not in (bond.surety_id, bond.program_account.business_id):
        raise SecurityError("not_allowed")
    bond = SuretyBond.objects.select_for_update().get(pk=bond.pk)
    if bond.cancelled_from is not None:
        raise SecurityError("already_cancelled")
    if cancelled_from < timezone.localdate():
        raise SecurityError("cancelled_in_the_past")
    if cancelled_from < bond.effective_date:
        raise SecurityError("effective_date")
    bond.cancelled_from, bond.cancelled_by = cancelled_from, actor_business
    bond.save(update_fields=["cancelled_from", "cancelled_by"])
    return bond


@transaction.atomic
def cash_deposit_record(
    *, officer: User, program_account: ProgramAccount, amount, received_on, reference=""
) -> CashDeposit:
    deposit = CashDeposit.objects.create(
        program_account=program_account,
        amount=_money(amount),
        received_on=received_on,
        reference=reference,
        recorded_by=officer,
    )
    rpp_reinstate_if_covered(program_account)
    return deposit


def bonds_renew(*, day: datetime.date) -> int:
    """Record the yearly renewal of every bond whose anniversary is `day` and that no one
    cancelled by then; once per bond and anniversary. A bond of February 29 renews on
    February 28 in the years without one."""
    anniversary = Q(effective_date__month=day.month, effective_date__day=day.day)
    if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
        anniversary |= Q(effective_date__month=2, effective_date__day=29)
    due = (
        SuretyBond.objects.filter(anniversary, effective_date__lt=day)
        .exclude(cancelled_from__lte=day)
        .exclude(renewals__renewed_on=day)
    )
    renewals = [BondRenewal(bond=bond, renewed_on=day) for bond in due]
    return len(BondRenewal.objects.bulk_create(renewals, ignore_conflicts=True))


# --- Reduction requests --------------------------------------------------------------------


@transaction.atomic
def reduction_request(
    *, actor: User, program_account: ProgramAccount, amount, justification: str
) -> ReductionRequest:
    if not can(actor, Action.REQUEST_REDUCTION, program_account):
        raise SecurityError("not_allowed")
    amount = _money(amount)
    justification = (justification or "").strip()
    if len(justification) < 20:
        raise SecurityError("justification")
    required = requirement_ahead(program_account, timezone.localdate())
    if amount >= required.bond:
        raise SecurityError("not_a_reduction", required=required.bond)
    try:
        with transaction.atomic():
            requested = ReductionRequest.objects.create(
                program_account=program_account,
                amount=amount,
                justification=justification,
                requested_by=actor,
            )
    except IntegrityError:
        raise SecurityError("reduction_pending") from None
    access_log_changed(user=actor, program_account=program_account, action=Action.REQUEST_REDUCTION)
    return requested


@transaction.atomic
def reduction_decide(
    *, officer: User, request: ReductionRequest, approve: bool
) -> ReductionRequest:
    request = ReductionRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != ReductionRequest.Status.PENDING:
        raise SecurityError("already_decided")
    request.status = (
        ReductionRequest.Status.APPROVED if approve else ReductionRequest.Status.REJECTED
    )
    request.decided_by, request.decided_at = officer, timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    account = request.program_account
    notification_send(
        recipient=request.requested_by,
        kind=Kind.REDUCTION_DECISION,
        dedupe_key=f"reduction:{request.pk}",
        context={"account": account.bn15, "decision": request.status},
        link=f"/program-accounts/{account.bn15}/financial-security/",
    )
    if approve:
        rpp_reinstate_if_covered(account)
    return request


# --- Suspension and reinstatement ----------------------------------------------------------


def is_covered(program_account: ProgramAccount, day: datetime.date) -> tuple[bool, dict]:
    required = requirement_in_force(program_account, day)
    bonds, cash = posted_totals(program_account, day)
    missing = shortfall(required, bonds, cash)
    return missing == 0, {
        "required": str(required.bond),
        "posted": str(bonds + cash),
        "account": program_account.bn15,
    }


def rpp_reinstate_if_covered(program_account: ProgramAccount) -> bool:
    """A suspended account with enough security posted gets RPP back at once."""
    account = ProgramAccount.objects.select_for_update().get(pk=program_account.pk)
    if account.rpp_status != ProgramAccount.RppStatus.SUSPENDED:
        return False
    covered, facts = is_covered(account, timezone.localdate())
    if not covered:
        return False
    account.rpp_status = ProgramAccount.RppStatus.ACTIVE
    account.save(update_fields=["rpp_status"])
    program_account.rpp_status = account.rpp_status
    for user in _importer_bams(account):
        notification_send(
            recipient=user,
            kind=Kind.RPP_REINSTATEMENT,
            dedupe_key=f"rpp-reinstated:{account.bn15}:{timezone.now().isoformat()}",
            context=facts,
        )
    return True


@dataclass(frozen=True)
class EnforcementSummary:
    day: datetime.date
    checked: int
    suspended: int
    spared: int

    def __str__(self) -> str:
        return (
            f"rpp_enforce {self.day}: {self.checked} RPP accounts checked, {self.suspended} "
            f"suspended, {self.spared} spared by a pending reduction request."
        )


def rpp_enforce(*, day: datetime.date) -> EnforcementSummary:
    """After January 15, suspend RPP where the posted security is below the requirement,
    unless a reduction request is still pending. Idempotent: a suspended account is not
    suspended (or notified) again."""
    suspended = spared = checked = 0
    pending = set(
        ReductionRequest.objects.filter(status=ReductionRequest.Status.PENDING).values_list(
            "program_account_id", flat=True
        )
    )
    for account in ProgramAccount.objects.filter(rpp_status=ProgramAccount.RppStatus.ACTIVE):
        checked += 1
        covered, facts = is_covered(account, day)
        if covered:
            continue
        if account.pk in pending:
            spared += 1
            continue
        with transaction.atomic():
            locked = ProgramAccount.objects.select_for_update().get(pk=account.pk)
            if locked.rpp_status != ProgramAccount.RppStatus.ACTIVE:
                continue
            # Asked again under the lock: a bond or deposit posted since the first look
            # (its reinstatement takes this lock too) keeps the account active.
            covered, facts = is_covered(locked, day)
            if covered:
                continue
            locked.rpp_status = ProgramAccount.RppStatus.SUSPENDED
            locked.save(update_fields=["rpp_status"])
            for user in _importer_bams(account):
                notification_send(
                    recipient=user,
                    kind=Kind.RPP_SUSPENSION,
                    dedupe_key=f"rpp-suspended:{account.bn15}:{day.isoformat()}",
                    context=facts,
                )
        suspended += 1
    summary = EnforcementSummary(day, checked, suspended, spared)
    logger.info(str(summary))
    return summary


# --- Beyond CARM: the forecast and its nudge -----------------------------------------------


@dataclass(frozen=True)
class Forecast:
    year: int
    highest_month: datetime.date | None
    highest_amount: Decimal
    bond: Decimal
    cash: Decimal
    window: tuple[datetime.date, datetime.date]


def forecast(program_account: ProgramAccount, today: datetime.date) -> Forecast:
    """The next review's requirement from the months seen so far in its window."""
    return forecasts([program_account.pk], today)[program_account.pk]


def forecasts(ids: list[int], today: datetime.date) -> dict[int, Forecast]:
    """`forecast` for many accounts, their months in one grouped query."""
    year = review_year_due(today) + 1
    highest = highest_months(ids, year)
    expected = {}
    for pk in ids:
        month, amount = highest.get(pk, (None, ZERO))
        bond, cash = required_security(amount)
        expected[pk] = Forecast(year, month, amount, bond, cash, review_window(year))
    return expected


def forecast_shortfall(
    expected: Forecast, ahead: Requirement, bonds: Decimal, cash: Decimal
) -> Decimal:
    """What the next review would find missing, when it would raise the requirement the
    importer plans for (`requirement_ahead`); a shortfall against that one is told on its
    own."""
    if expected.bond <= ahead.bond:
        return ZERO
    return shortfall(Requirement(expected.bond, expected.cash), bonds, cash)


def forecast_nudge(*, day: datetime.date) -> int:
    """Weekly: tell the importer's BAMs when the next review will ask for more than is
    posted, while there is time to act. Once per account and week."""
    week = day.isocalendar()
    notices = []
    accounts = ProgramAccount.objects.filter(rpp_status__in=RPP_STATUSES).order_by("pk")
    for chunk in chunks_of(list(accounts)):
        expected = forecasts([account.pk for account in chunk], day)
        missing = []
        for account in chunk:
            bonds, cash = posted_totals(account, day)
            ahead = requirement_ahead(account, day)
            if forecast_shortfall(expected[account.pk], ahead, bonds, cash) > 0:
                missing.append((account, bonds + cash))
        bams = bams_of({account.business_id for account, _ in missing})
        notices += [
            Notice(
                recipient=bam,
                dedupe_key=f"rpp-forecast:{account.bn15}:{week.year}-W{week.week:02d}",
                context={
                    "account": account.bn15,
                    "forecast": str(expected[account.pk].bond),
                    "posted": str(posted),
                    "review_date": datetime.date(expected[account.pk].year, 10, 20).isoformat(),
                },
                link=f"/program-accounts/{account.bn15}/financial-security/",
            )
            for account, posted in missing
            for bam in bams[account.business_id]
        ]
    return notifications_send(kind=Kind.RPP_FORECAST, notices=notices)
