"""Changes to RPP financial security: bonds, cash deposits, reduction requests,
suspension and reinstatement, bond renewals, the forecast nudge. docs/rules.md §7."""

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
from carm.jobs import chunks_of
from delegation.models import SuretyInvitation
from delegation.permissions import Action, bond_issuer_for, can, may_post_bond, surety_of
from delegation.services import access_log_changed
from financial.calculation import MAX_AMOUNT, positive_cents
from financial.locks import lock_account_balance
from notifications.kinds import Kind
from notifications.services import Notice, notification_send, notifications_send
from security.errors import SecurityError
from security.models import BondRenewal, CashDeposit, ReductionRequest, SuretyBond
from security.selectors import (
    accounts_with_pending_reduction,
    coverage,
    coverages,
    forecast_shortfall,
    forecasts,
    posted_totals_of,
    requirement_ahead,
    requirements_ahead,
    rpp_accounts,
)

logger = logging.getLogger(__name__)


def _money(value) -> Decimal:
    amount = positive_cents(value)
    if amount is None:
        raise SecurityError("amount")
    if amount > MAX_AMOUNT:
        raise SecurityError("amount_too_large", maximum=MAX_AMOUNT)
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
    at: datetime.datetime | None = None,
) -> SuretyBond:
    """A surety posts a bond for an RPP program account, from at most 31 days back, if the
    account's importer invited it (`may_post_bond`, docs/rules.md §7); the invitation is
    used from its first bond on. `at` is the moment it is posted (now, unless history is
    written at its own date)."""
    if surety_of(actor) is None:
        raise SecurityError("not_a_surety")
    surety = bond_issuer_for(actor)
    if surety is None:
        raise SecurityError("surety_reader")
    at = at or timezone.now()
    if not may_post_bond(actor, program_account):
        raise SecurityError("not_invited")
    with transaction.atomic():
        # The invitation, locked: a withdrawal meanwhile waits for the bond, or refuses it.
        invitation = (
            SuretyInvitation.objects.select_for_update()
            .standing()
            .filter(surety=surety, program_account=program_account)
            .first()
        )
        if invitation is None:
            raise SecurityError("not_invited")
        if effective_date < timezone.localdate(at) - datetime.timedelta(days=31):
            raise SecurityError("effective_date")
        bond = bond_record(
            surety=surety,
            posted_by=actor,
            program_account=program_account,
            bond_number=bond_number,
            amount=amount,
            effective_date=effective_date,
            at=at,
        )
        if invitation.used_at is None:
            invitation.used_at = at
            invitation.save(update_fields=["used_at"])
        return bond


@transaction.atomic
def bond_record(
    *,
    surety: Business,
    posted_by: User,
    program_account: ProgramAccount,
    bond_number: str,
    amount,
    effective_date: datetime.date,
    at: datetime.datetime | None = None,
) -> SuretyBond:
    """A bond on the record, posted by its surety or recorded by an officer who received it
    otherwise; enough security reinstates a suspended account at once."""
    at = at or timezone.now()
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
                created_at=at,
            )
    except IntegrityError:
        raise SecurityError("bond_number_taken") from None
    rpp_reinstate_if_covered(program_account, at=at)
    return bond


@transaction.atomic
def bond_cancel_check(
    *, actor_business: Business, bond: SuretyBond, cancelled_from: datetime.date
) -> None:
    """Whether the importer or the surety may stop this bond from that day: a refusal, or
    nothing. Writes nothing (the confirmation page asks it before the cancellation)."""
    if actor_business.pk not in (bond.surety_id, bond.program_account.business_id):
        raise SecurityError("not_allowed")
    if bond.cancelled_from is not None:
        raise SecurityError("already_cancelled")
    if cancelled_from < timezone.localdate():
        raise SecurityError("cancelled_in_the_past")
    if cancelled_from < bond.effective_date:
        raise SecurityError("cancelled_before_effective", date=bond.effective_date)


def bond_cancel(
    *, actor_business: Business, bond: SuretyBond, cancelled_from: datetime.date
) -> SuretyBond:
    """The importer or the surety stops a bond from a date on (today or later): it counts
    no more from that day and does not renew."""
    bond = SuretyBond.objects.select_for_update().get(pk=bond.pk)
    bond_cancel_check(actor_business=actor_business, bond=bond, cancelled_from=cancelled_from)
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
    *, officer: User, request: ReductionRequest, approve: bool, note: str = ""
) -> ReductionRequest:
    """An officer approves or rejects a request to lower the requirement, with a note the
    importer reads; a rejection needs one."""
    note = note.strip()
    if not approve and not note:
        raise SecurityError("decision_note_needed")
    request = ReductionRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != ReductionRequest.Status.PENDING:
        raise SecurityError("already_decided")
    request.status = (
        ReductionRequest.Status.APPROVED if approve else ReductionRequest.Status.REJECTED
    )
    request.decided_by, request.decided_at = officer, timezone.now()
    request.decision_note = note
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    account = request.program_account
    notification_send(
        recipient=request.requested_by,
        kind=Kind.REDUCTION_DECISION,
        dedupe_key=f"reduction:{request.pk}",
        context={"account": account.bn15, "decision": request.status, "note": note},
        route="financial_security",
        route_args=[account.bn15],
    )
    if approve:
        rpp_reinstate_if_covered(account)
    return request


# --- Suspension and reinstatement ----------------------------------------------------------


def rpp_reinstate_if_covered(
    program_account: ProgramAccount, at: datetime.datetime | None = None
) -> bool:
    """A suspended account with enough security posted gets RPP back at once."""
    account = ProgramAccount.objects.select_for_update().get(pk=program_account.pk)
    if account.rpp_status != ProgramAccount.RppStatus.SUSPENDED:
        return False
    at = at or timezone.now()
    cover = coverage(account, timezone.localdate(at))
    if not cover.covered:
        return False
    account.rpp_status = ProgramAccount.RppStatus.ACTIVE
    account.save(update_fields=["rpp_status"])
    program_account.rpp_status = account.rpp_status
    for user in _importer_bams(account):
        notification_send(
            recipient=user,
            kind=Kind.RPP_REINSTATEMENT,
            dedupe_key=f"rpp-reinstated:{account.bn15}:{at.isoformat()}",
            context=cover.facts(account.bn15),
            at=at,
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


ENFORCEMENT_CHUNK = 2000


def rpp_enforce(*, day: datetime.date) -> EnforcementSummary:
    """After January 15, suspend RPP where the posted security is below the requirement,
    unless a reduction request is still pending. Idempotent: a suspended account is not
    suspended (or notified) again. Coverage is read for a chunk of accounts at once; only
    the accounts found short are locked and asked again, one by one."""
    suspended = spared = checked = 0
    pending = accounts_with_pending_reduction()
    active = ProgramAccount.objects.filter(rpp_status=ProgramAccount.RppStatus.ACTIVE)
    for ids in chunks_of(
        list(active.order_by("pk").values_list("pk", flat=True)), ENFORCEMENT_CHUNK
    ):
        checked += len(ids)
        short = [pk for pk, cover in coverages(ids, day).items() if not cover.covered]
        spared += sum(pk in pending for pk in short)
        for pk in short:
            if pk not in pending and _suspend(pk, day):
                suspended += 1
    summary = EnforcementSummary(day, checked, suspended, spared)
    logger.info(str(summary))
    return summary


@transaction.atomic
def _suspend(pk: int, day: datetime.date) -> bool:
    account = ProgramAccount.objects.select_for_update().get(pk=pk)
    if account.rpp_status != ProgramAccount.RppStatus.ACTIVE:
        return False
    # Asked again under the lock: a bond or deposit posted since the first look (its
    # reinstatement takes this lock too) keeps the account active.
    cover = coverage(account, day)
    if cover.covered:
        return False
    account.rpp_status = ProgramAccount.RppStatus.SUSPENDED
    account.save(update_fields=["rpp_status"])
    notifications_send(
        kind=Kind.RPP_SUSPENSION,
        notices=[
            Notice(
                recipient=user,
                dedupe_key=f"rpp-suspended:{account.bn15}:{day.isoformat()}",
                context=cover.facts(account.bn15),
            )
            for user in _importer_bams(account)
        ],
    )
    return True


# --- Beyond CARM: the forecast's nudge ------------------------------------------------------


NUDGE_CHUNK = 2000


def forecast_nudge(*, day: datetime.date) -> int:
    """Weekly: tell the importer's BAMs when the next review will ask for more than is
    posted, while there is time to act. Once per account and week."""
    week = day.isocalendar()
    notices = []
    accounts = rpp_accounts().order_by("pk")
    by_pk = {account.pk: account for account in accounts}
    for ids in chunks_of(list(by_pk), NUDGE_CHUNK):
        expected = forecasts(ids, day)
        posted = posted_totals_of(ids, day)
        ahead = requirements_ahead(ids, day)
        missing = [
            (by_pk[pk], sum(posted[pk]))
            for pk in ids
            if forecast_shortfall(expected[pk], ahead[pk], *posted[pk]) > 0
        ]
        bams = bams_of({account.business_id for account, _ in missing})
        notices += [
            Notice(
                recipient=bam,
                dedupe_key=f"rpp-forecast:{account.bn15}:{week.year}-W{week.week:02d}",
                context={
                    "account": account.bn15,
                    "forecast": str(expected[account.pk].bond),
                    "posted": str(total),
                    "review_date": datetime.date(expected[account.pk].year, 10, 20).isoformat(),
                },
                route="financial_security",
                route_args=[account.bn15],
            )
            for account, total in missing
            for bam in bams[account.business_id]
        ]
    return notifications_send(kind=Kind.RPP_FORECAST, notices=notices)
