"""Pre-authorized debits (docs/rules.md §13): signing and cancelling an agreement, the
day's run that debits each statement due, and the banks' returns files."""

import datetime
import hashlib
import re

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import ProgramAccount, User
from accounts.selectors import bams_of
from carm import crypto
from delegation.permissions import Action, can
from delegation.services import access_log_changed
from financial import cpa005
from financial.locks import lock_account_balance
from financial.models import Payment, Statement
from financial.services import payment_pad, payment_return
from notifications.kinds import Kind
from notifications.services import notification_send
from payments.errors import PadError
from payments.models import (
    ACCOUNT_NUMBER,
    INSTITUTION,
    TRANSIT,
    PadAgreement,
    PadDebit,
    PadReturnFile,
    PadRun,
)

# --- Agreements ----------------------------------------------------------------------------


def _require_bam(actor: User, program_account: ProgramAccount) -> None:
    if not can(actor, Action.MANAGE_BANKING, program_account):
        raise PadError("not_allowed")


def _agreement_notify(agreement: PadAgreement, status: str, at: datetime.datetime) -> None:
    """Every Business Account Manager of the importer hears of an agreement signed or
    cancelled: a debit nobody expected is how fraud shows."""
    account = agreement.program_account
    for bam in bams_of([account.business_id])[account.business_id]:
        notification_send(
            recipient=bam,
            kind=Kind.PAD_AGREEMENT,
            dedupe_key=f"pad-agreement-{status}:{agreement.pk}",
            context={
                "account": account.bn15,
                "last_digits": agreement.last_digits,
                "status": status,
            },
            route="pad_agreement",
            route_args=[account.bn15],
            at=at,
        )


def _cancel(agreement: PadAgreement, actor: User, at: datetime.datetime) -> None:
    agreement.cancelled_at, agreement.cancelled_by = at, actor
    agreement.save(update_fields=["cancelled_at", "cancelled_by"])
    _agreement_notify(agreement, "cancelled", at)


@transaction.atomic
def pad_agreement_sign(
    *,
    actor: User,
    program_account: ProgramAccount,
    institution: str,
    transit: str,
    account_number: str,
    holder_name: str,
    accept_terms: bool,
    at: datetime.datetime | None = None,
) -> PadAgreement:
    """A Business Account Manager authorizes CBSA to debit a bank account for the program
    account's statements. An agreement already in force is replaced (cancelled at the
    same moment): the next debit uses the new one."""
    _require_bam(actor, program_account)
    at = at or timezone.now()
    institution, transit = institution.strip(), transit.strip()
    account_number, holder_name = account_number.strip(), " ".join(holder_name.split())
    if not re.fullmatch(INSTITUTION, institution):
        raise PadError("institution")
    if not re.fullmatch(TRANSIT, transit):
        raise PadError("transit")
    if not re.fullmatch(ACCOUNT_NUMBER, account_number):
        raise PadError("account_number")
    if not holder_name or len(holder_name) > 100:
        raise PadError("holder_name")
    if not accept_terms:
        raise PadError("terms")
    lock_account_balance(program_account)  # one signing at a time per account
    in_force = PadAgreement.objects.filter(
        program_account=program_account, cancelled_at__isnull=True
    ).first()
    if in_force is not None:
        _cancel(in_force, actor, at)
    agreement = PadAgreement.objects.create(
        program_account=program_account,
        institution=institution,
        transit=transit,
        account_encrypted=crypto.encrypt(account_number),
        last_digits=account_number[-4:],
        holder_name=holder_name,
        terms_version=PadAgreement.TERMS_VERSION,
        signed_by=actor,
        signed_at=at,
    )
    _agreement_notify(agreement, "active", at)
    access_log_changed(
        user=actor, program_account=program_account, action=Action.MANAGE_BANKING, at=at
    )
    return agreement


@transaction.atomic
def pad_agreement_cancel(
    *, actor: User, agreement: PadAgreement, at: datetime.datetime | None = None
) -> PadAgreement:
    """Cancel an agreement: statements due from now on are not debited. A debit already
    sent to the bank stays sent."""
    _require_bam(actor, agreement.program_account)
    at = at or timezone.now()
    agreement = PadAgreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.cancelled_at is not None:
        raise PadError("already_cancelled")
    _cancel(agreement, actor, at)
    access_log_changed(
        user=actor,
        program_account=agreement.program_account,
        action=Action.MANAGE_BANKING,
        at=at,
    )
    return agreement


# --- The day's run -------------------------------------------------------------------------


def cross_reference(statement: Statement) -> str:
    """How the bank's returns file names the debit of a statement (at most 19 of A–Z,
    0–9 and hyphens, Standard 005's originator's cross reference)."""
    return f"CARM-S{statement.pk:010d}"


def _next_file_number() -> int:
    """One more than the last file's, 1 to 9999, then 1 again (Standard 005)."""
    latest = PadRun.objects.exclude(content="").order_by("-day").first()
    last = latest.file_creation_number if latest else 0
    return last % 9999 + 1


@transaction.atomic
def pad_run(*, day: datetime.date, at: datetime.datetime | None = None) -> tuple[PadRun, bool]:
    """Debit every statement due on `day` whose account has an agreement in force: the
    statement's total payable, or the balance if less is owed by now; nothing when nothing
    is owed. Each debit is a PAD payment settled on the day; the run writes the day's
    CPA Standard 005 file. Returns (run, created): a day already run is returned as it
    was, so running it again debits nothing twice."""
    at = at or timezone.now()
    existing = PadRun.objects.filter(day=day).first()
    if existing is not None:
        return existing, False
    agreements = {
        agreement.program_account_id: agreement
        for agreement in PadAgreement.objects.filter(cancelled_at__isnull=True).filter(
            program_account__statements__due_date=day
        )
    }
    statements = (
        Statement.objects.filter(due_date=day, program_account_id__in=agreements)
        .select_related("program_account__business")
        .order_by("program_account__bn15")
    )
    header = cpa005.FileHeader(
        file_creation_number=_next_file_number(),
        creation_date=day,
        **settings.CARM_PAD_ORIGINATOR,
    )
    sent, total = [], 0
    rows = []
    for statement in statements:
        account = statement.program_account
        agreement = agreements[account.pk]
        owed = lock_account_balance(account).balance
        amount = min(statement.total_payable, owed)
        if amount <= 0:
            continue
        payment, _created = payment_pad(
            program_account=account,
            amount=amount,
            signed_by=agreement.signed_by,
            idempotency_key=f"pad:{statement.pk}",
            at=at,
        )
        reference = cross_reference(statement)
        rows.append((agreement, statement, payment, reference))
        sent.append(
            cpa005.Debit(
                amount=amount,
                due_date=day,
                institution=agreement.institution,
                transit=agreement.transit,
                account=crypto.decrypt(agreement.account_encrypted),
                payor_name=agreement.holder_name,
                cross_reference=reference,
                sundry=account.bn15,
            )
        )
        total += amount
    run = PadRun.objects.create(
        day=day,
        file_creation_number=header.file_creation_number if sent else 0,
        created_at=at,
        debit_count=len(sent),
        total=total,
        content=cpa005.write_debit_file(header, sent) if sent else "",
    )
    PadDebit.objects.bulk_create(
        PadDebit(
            run=run,
            agreement=agreement,
            statement=statement,
            payment=payment,
            cross_reference=reference,
        )
        for agreement, statement, payment, reference in rows
    )
    return run, True


# --- Returns -------------------------------------------------------------------------------


@transaction.atomic
def pad_returns_import(
    *, text: str, name: str, at: datetime.datetime | None = None
) -> tuple[PadReturnFile, bool]:
    """Mark returned the debits a bank's returns file names, each with the bank's reason:
    their payments are reversed and the importer told why. The whole file is refused,
    changing nothing, if it names a debit the portal never sent or an amount other than
    the one debited. Returns (file, created): a file imported again changes nothing."""
    at = at or timezone.now()
    digest = hashlib.sha256(text.encode()).hexdigest()
    existing = PadReturnFile.objects.filter(sha256=digest).first()
    if existing is not None:
        return existing, False
    try:
        returned = cpa005.read_returns_file(text)
    except cpa005.Cpa005Error as error:
        raise PadError("returns_file", problem=str(error)) from error
    debits = {
        debit.cross_reference: debit
        for debit in PadDebit.objects.filter(
            cross_reference__in=[item.cross_reference for item in returned]
        ).select_related("payment__program_account")
    }
    unknown = sorted({item.cross_reference for item in returned} - debits.keys())
    if unknown:
        raise PadError("unknown_debits", references=", ".join(unknown))
    for item in returned:
        sent = debits[item.cross_reference].payment.amount
        if item.amount != sent:
            raise PadError(
                "amount_mismatch", reference=item.cross_reference, returned=item.amount, sent=sent
            )
        if item.reason_code not in Payment.ReturnReason.values:
            raise PadError("reason_code", code=item.reason_code, reference=item.cross_reference)
    for item in returned:
        payment_return(payment=debits[item.cross_reference].payment, reason=item.reason_code, at=at)
    record = PadReturnFile.objects.create(
        sha256=digest, name=name[:255], imported_at=at, returned_count=len(returned)
    )
    return record, True
