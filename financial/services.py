"""Changes to the ledger: postings, declarations and their versions, payments.

Every posting goes through `posting_create`; every money change locks the account's
balance row first (financial/locks.py).
"""

import datetime
import hashlib
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Business, ProgramAccount, User
from accounts.selectors import bams_of
from delegation.permissions import Action, can
from delegation.services import access_log_changed
from financial.allocations import allocate, allocations_reflow, allocations_release
from financial.calculation import (
    GST_RATE,
    LEDGER_MAX,
    MAX_AMOUNT,
    MAX_LINES,
    ZERO,
    line_amounts,
    positive_cents,
)
from financial.calendar import add_business_days, correction_deadline
from financial.descriptions import in_english
from financial.errors import FinancialError
from financial.locks import lock_account_balance
from financial.models import (
    REVENUE_SPLIT,
    STATED_LEVIES,
    AccountBalance,
    Declaration,
    DeclarationLine,
    DeclarationVersion,
    Invoice,
    Payment,
    Posting,
    RefundRequest,
)
from financial.selectors import acting_business, card_remaining, debts
from notifications.kinds import PAYMENT_STATUSES, Kind
from notifications.services import notification_send


@transaction.atomic
def posting_create(
    *,
    program_account: ProgramAccount,
    kind: str,
    amount: Decimal,
    transaction_number: str = "",
    filed_by: Business | None = None,
    description: str = "",
    posted_at=None,
    allocate_now: bool = True,
    **split: Decimal,
) -> Posting:
    """Append one posting and move the account's balance by its amount, atomically.

    The balance row is locked first, so postings on one account are serialized and the
    balance always equals the sum of the postings. The posting is then applied: a credit
    to the open debts, a debit from the open credits, oldest first (financial/allocations.py);
    a caller that applies it otherwise passes `allocate_now=False` and calls `allocate`.
    """
    if not isinstance(amount, Decimal):
        raise TypeError("A posting's amount is a Decimal.")
    unknown = set(split) - set(REVENUE_SPLIT)
    if unknown:
        raise TypeError(f"Unknown revenue columns: {', '.join(sorted(unknown))}")
    balance = lock_account_balance(program_account).balance
    if abs(balance + amount) > LEDGER_MAX:
        raise FinancialError("balance_too_large", maximum=LEDGER_MAX)
    extra = {"posted_at": posted_at} if posted_at is not None else {}
    posting = Posting.objects.create(
        program_account=program_account,
        kind=kind,
        amount=amount,
        transaction_number=transaction_number,
        filed_by=filed_by,
        description=description,
        **split,
        **extra,
    )
    AccountBalance.objects.filter(program_account=program_account).update(
        balance=F("balance") + amount, postings=F("postings") + 1
    )
    # Open credits exist only while the balance is negative, open debts only while it is
    # positive: a posting with nothing on the other side has nothing to apply.
    if allocate_now and ((amount > 0 and balance < 0) or (amount < 0 and balance > 0)):
        allocate(program_account, at=posting.posted_at)
    return posting


def _stated_amount(value) -> Decimal:
    """An amount a person states (docs/rules.md §4): more than zero, in cents, at most
    MAX_AMOUNT."""
    amount = positive_cents(value)
    if amount is None:
        raise FinancialError("amount")
    if amount > MAX_AMOUNT:
        raise FinancialError("amount_too_large", maximum=MAX_AMOUNT)
    return amount


# --- Acting for a business -----------------------------------------------------------------


def _acting_business(user, program_account: ProgramAccount) -> Business:
    business = acting_business(user, program_account)
    if business is None:
        raise FinancialError("not_allowed")
    return business


def _require(user, action: Action, program_account: ProgramAccount) -> None:
    if not can(user, action, program_account):
        raise FinancialError("not_allowed")


# --- Declarations --------------------------------------------------------------------------

LATE_AFTER_BUSINESS_DAYS = 5


def next_transaction_number() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('financial_transaction_number')")
        return f"{cursor.fetchone()[0]:014d}"


def _priced_lines(lines: list[dict]) -> list[dict]:
    """Each line with its duty, GST and total computed here, never taken from the filer."""
    if not lines:
        raise FinancialError("no_lines")
    if len(lines) > MAX_LINES:
        raise FinancialError("too_many_lines", maximum=MAX_LINES)
    priced = []
    for position, line in enumerate(lines, start=1):
        hs_code = str(line.get("hs_code", "")).replace(".", "").replace(" ", "")
        if not (len(hs_code) == 10 and hs_code.isdigit()):
            raise FinancialError("hs_code", line=position)
        try:
            quantity = Decimal(str(line.get("quantity", "")))
        except InvalidOperation:
            raise FinancialError("quantity", line=position) from None
        if not quantity.is_finite() or quantity <= 0:
            raise FinancialError("quantity", line=position)
        amounts = {name: line.get(name, ZERO) or ZERO for name in STATED_LEVIES}
        if any(
            _exceeds(value, MAX_AMOUNT) for value in [line.get("value_for_duty"), *amounts.values()]
        ):
            raise FinancialError("line_too_large", line=position, maximum=MAX_AMOUNT)
        try:
            computed = line_amounts(
                value_for_duty=line.get("value_for_duty"),
                duty_rate=line.get("duty_rate"),
                gst_rate=line.get("gst_rate", GST_RATE),
                **amounts,
            )
        except (TypeError, ValueError) as error:
            raise FinancialError("line_amounts", line=position, detail=str(error)) from None
        priced.append(
            {
                "position": position,
                "hs_code": hs_code,
                "description": str(line.get("description", "")).strip()[:200],
                "tariff_description": str(line.get("tariff_description", "")).strip()[:200],
                "quantity": quantity,
                "value_for_duty": Decimal(line["value_for_duty"]),
                "duty_rate": Decimal(line["duty_rate"]),
                "gst_rate": Decimal(line.get("gst_rate", GST_RATE)),
                **{name: Decimal(value) for name, value in amounts.items()},
                **computed,
            }
        )
    return priced


def _exceeds(value, maximum: Decimal) -> bool:
    """Whether a stated value is a number above `maximum` (what is not a number is the
    pricing's refusal)."""
    if isinstance(value, float | bool) or value is None:
        return False
    try:
        number = Decimal(value) if isinstance(value, int | str) else value
        return isinstance(number, Decimal) and number.is_finite() and number > maximum
    except InvalidOperation:
        return False


def _split_of(lines: list[dict]) -> dict[str, Decimal]:
    return {column: sum((line[column] for line in lines), ZERO) for column in REVENUE_SPLIT}


def _save_version(
    declaration, *, number, kind, status, lines, actor, at, reason_code="", comment=""
):
    version = DeclarationVersion.objects.create(
        created_at=at,
        declaration=declaration,
        number=number,
        kind=kind,
        status=status,
        reason_code=reason_code,
        comment=comment,
        total=sum((line["total"] for line in lines), ZERO),
        created_by=actor,
    )
    DeclarationLine.objects.bulk_create(DeclarationLine(version=version, **line) for line in lines)
    return version


@transaction.atomic
def declaration_file(
    *,
    actor: User,
    program_account: ProgramAccount,
    release_date: datetime.date,
    port_of_entry: str,
    vendor: str,
    lines: list[dict],
    at: datetime.datetime | None = None,
) -> Declaration:
    """File a CAD: amounts computed here, the charge posted with its revenue split. `at`
    is the moment it is filed (now, unless history is written at its own date)."""
    _require(actor, Action.FILE_DECLARATION, program_account)
    at = at or timezone.now()
    today = timezone.localdate(at)
    if release_date > today:
        raise FinancialError("release_in_future")
    if not (len(port_of_entry) == 4 and port_of_entry.isdigit()):
        raise FinancialError("port_of_entry")
    if not vendor.strip():
        raise FinancialError("vendor")
    priced = _priced_lines(lines)
    lock_account_balance(program_account)
    split = _split_of(priced)
    total = sum(split.values(), ZERO)
    if total > LEDGER_MAX:
        raise FinancialError("total_too_large", total=total, maximum=LEDGER_MAX)
    rpp = program_account.rpp_status == ProgramAccount.RppStatus.ACTIVE
    declaration = Declaration.objects.create(
        transaction_number=next_transaction_number(),
        program_account=program_account,
        filed_by=_acting_business(actor, program_account),
        filed_by_user=actor,
        release_date=release_date,
        port_of_entry=port_of_entry,
        vendor=vendor.strip(),
        total=total,
        status=Declaration.Status.ACCEPTED
        if rpp or not total
        else Declaration.Status.PAYMENT_REQUIRED,
        late=today > add_business_days(release_date, LATE_AFTER_BUSINESS_DAYS),
        filed_at=at,
    )
    _save_version(
        declaration,
        number=1,
        kind=DeclarationVersion.Kind.ORIGINAL,
        status=DeclarationVersion.Status.APPROVED,
        lines=priced,
        actor=actor,
        at=at,
    )
    if total:
        posting_create(
            program_account=program_account,
            kind=Posting.Kind.CHARGE,
            amount=total,
            transaction_number=declaration.transaction_number,
            filed_by=declaration.filed_by,
            description=declaration.vendor[:200],
            posted_at=at,
            **split,
        )
    access_log_changed(
        user=actor,
        program_account=program_account,
        action=Action.FILE_DECLARATION,
        what=declaration.transaction_number,
        at=at,
    )
    return declaration


def _post_delta(
    declaration: Declaration,
    version: DeclarationVersion,
    previous_lines: list[dict],
    kind: str,
    at: datetime.datetime,
):
    before, after = _split_of(previous_lines), _split_of(list(version.lines.values(*REVENUE_SPLIT)))
    delta = {column: after[column] - before[column] for column in REVENUE_SPLIT}
    amount = sum(delta.values(), ZERO)
    if amount:
        posting_create(
            program_account=declaration.program_account,
            kind=kind,
            amount=amount,
            transaction_number=declaration.transaction_number,
            filed_by=declaration.filed_by,
            description=f"{in_english(version.get_kind_display())} v{version.number}",
            posted_at=at,
            **delta,
        )
    declaration.total = version.total
    declaration.save(update_fields=["total"])


def _approved_lines(declaration: Declaration) -> list[dict]:
    latest = (
        declaration.versions.filter(status=DeclarationVersion.Status.APPROVED)
        .order_by("-number")
        .first()
    )
    return list(latest.lines.values(*REVENUE_SPLIT))


@transaction.atomic
def declaration_correct(
    *,
    actor: User,
    declaration: Declaration,
    reason_code: str,
    lines: list[dict],
    comment: str = "",
    at: datetime.datetime | None = None,
) -> DeclarationVersion:
    """A new version of the declaration. Before the correction deadline on an RPP account it
    is a correction, approved at once; after, an adjustment an officer decides. Only the
    difference posts to the ledger."""
    account = declaration.program_account
    _require(actor, Action.CORRECT_DECLARATION, account)
    at = at or timezone.now()
    if reason_code not in DeclarationVersion.Reason.values:
        raise FinancialError("reason_code")
    priced = _priced_lines(lines)
    lock_account_balance(account)
    declaration = Declaration.objects.select_for_update().get(pk=declaration.pk)
    if declaration.versions.filter(status=DeclarationVersion.Status.PENDING).exists():
        raise FinancialError("adjustment_pending")
    is_correction = (
        account.rpp_status == ProgramAccount.RppStatus.ACTIVE
        and at <= correction_deadline(declaration.filed_at)
    )
    previous = _approved_lines(declaration)
    version = _save_version(
        declaration,
        number=declaration.versions.count() + 1,
        kind=DeclarationVersion.Kind.CORRECTION
        if is_correction
        else DeclarationVersion.Kind.ADJUSTMENT,
        status=DeclarationVersion.Status.APPROVED
        if is_correction
        else DeclarationVersion.Status.PENDING,
        lines=priced,
        actor=actor,
        reason_code=reason_code,
        comment=comment.strip(),
        at=at,
    )
    if is_correction:
        _post_delta(declaration, version, previous, Posting.Kind.CORRECTION, at)
    access_log_changed(
        user=actor,
        program_account=account,
        action=Action.CORRECT_DECLARATION,
        what=declaration.transaction_number,
        at=at,
    )
    return version


@transaction.atomic
def adjustment_decide(
    *,
    officer: User,
    version: DeclarationVersion,
    approve: bool,
    note: str = "",
    at: datetime.datetime | None = None,
) -> DeclarationVersion:
    """An officer approves (the difference posts) or rejects a pending adjustment, with a
    note the importer reads; a rejection needs one."""
    at = at or timezone.now()
    note = note.strip()
    if not approve and not note:
        raise FinancialError("decision_note_needed")
    declaration = version.declaration
    lock_account_balance(declaration.program_account)
    version = DeclarationVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != DeclarationVersion.Status.PENDING:
        raise FinancialError("already_decided")
    previous = _approved_lines(declaration)
    version.status = (
        DeclarationVersion.Status.APPROVED if approve else DeclarationVersion.Status.REJECTED
    )
    version.decided_by, version.decided_at, version.decision_note = officer, at, note
    version.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if approve:
        _post_delta(declaration, version, previous, Posting.Kind.ADJUSTMENT, at)
    notification_send(
        recipient=version.created_by,
        kind=Kind.ADJUSTMENT_DECISION,
        dedupe_key=f"adjustment:{version.pk}",
        context={
            "transaction_number": declaration.transaction_number,
            "decision": version.status,
            "note": note,
        },
        at=at,
    )
    return version


# --- Payments ------------------------------------------------------------------------------


def payment_fingerprint(*, amount: Decimal, method: str, chosen: Iterable[str] = ()) -> str:
    chosen = ",".join(sorted(chosen))
    return hashlib.sha256(f"{amount:.2f}|{method}|{chosen}".encode()).hexdigest()


@transaction.atomic
def payment_create(
    *,
    actor: User,
    program_account: ProgramAccount,
    amount: Decimal,
    method: str,
    idempotency_key: str,
    chosen: Sequence[str] = (),
    at: datetime.datetime | None = None,
) -> tuple[Payment, bool]:
    """Pay toward an account's balance; returns (payment, created).

    A card payment settles at once; any other waits, pending, until the money arrives
    (`payment_settle`). The same idempotency key with the same request returns the first
    payment and changes nothing; with anything else it is refused. `chosen` names the
    declarations to pay first, where the account applies payments that way
    (docs/rules.md §12).
    """
    _require(actor, Action.PAY, program_account)
    at = at or timezone.now()
    if not (1 <= len(idempotency_key) <= 255 and idempotency_key.isprintable()):
        raise FinancialError("idempotency_key")
    amount = _stated_amount(amount)
    if method not in Payment.Method.values:
        raise FinancialError("method")
    chosen = list(dict.fromkeys(chosen))
    fingerprint = payment_fingerprint(amount=amount, method=method, chosen=chosen)
    lock_account_balance(program_account)
    existing = Payment.objects.filter(
        program_account=program_account, idempotency_key=idempotency_key
    ).first()
    if existing is not None:
        if existing.request_fingerprint != fingerprint:
            raise FinancialError("idempotency_conflict")
        return existing, False
    declarations = _chosen_declarations(program_account, chosen)
    if method == Payment.Method.CREDIT_CARD:
        remaining = card_remaining(program_account, timezone.localdate(at))
        if amount > remaining:
            raise FinancialError(
                "credit_card_limit", limit=Payment.CREDIT_CARD_LIMIT, remaining=remaining
            )
    payer = _acting_business(actor, program_account)
    payment = Payment.objects.create(
        program_account=program_account,
        amount=amount,
        method=method,
        applied=Payment.Applied.CHOSEN if declarations else Payment.Applied.OLDEST_FIRST,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
        paid_by=payer,
        paid_by_user=actor,
        created_at=at,
    )
    payment.chosen.set(declarations)
    access_log_changed(user=actor, program_account=program_account, action=Action.PAY, at=at)
    if method in Payment.SETTLE_AT_ONCE:
        _settle(payment, at=at)
    return payment, True


@transaction.atomic
def payment_pad(
    *,
    program_account: ProgramAccount,
    amount: Decimal,
    signed_by: User,
    idempotency_key: str,
    at: datetime.datetime,
) -> tuple[Payment, bool]:
    """A pre-authorized debit CBSA takes under the importer's agreement (payments app):
    the bank debits it on the due date, so it settles at once, and a return from the bank
    reverses it. The agreement's signer is its payer of record. The same key returns the
    first payment and changes nothing."""
    amount = _stated_amount(amount)
    lock_account_balance(program_account)
    existing = Payment.objects.filter(
        program_account=program_account, idempotency_key=idempotency_key
    ).first()
    if existing is not None:
        return existing, False
    payment = Payment.objects.create(
        program_account=program_account,
        amount=amount,
        method=Payment.Method.PAD,
        idempotency_key=idempotency_key,
        request_fingerprint=payment_fingerprint(amount=amount, method=Payment.Method.PAD),
        paid_by=program_account.business,
        paid_by_user=signed_by,
        created_at=at,
    )
    _settle(payment, at=at)
    return payment, True


@transaction.atomic
def payments_applied_set(
    *,
    actor: User,
    program_account: ProgramAccount,
    applied: str,
    at: datetime.datetime | None = None,
) -> ProgramAccount:
    """The account's Business Account Manager chooses how its payments apply: to the oldest
    debt first, or to the declarations the payer picks when paying, then the oldest
    (docs/rules.md §12). Payments already made keep the way they were applied."""
    _require(actor, Action.MANAGE_BANKING, program_account)
    if applied not in ProgramAccount.PaymentsApplied.values:
        raise FinancialError("payments_applied")
    at = at or timezone.now()
    ProgramAccount.objects.filter(pk=program_account.pk).update(payments_applied=applied)
    program_account.payments_applied = applied
    access_log_changed(
        user=actor,
        program_account=program_account,
        action=Action.MANAGE_BANKING,
        at=at,
    )
    return program_account


def _chosen_declarations(program_account: ProgramAccount, numbers: list[str]):
    """The account's declarations named to be paid first, in the order named; refused when
    the account applies payments oldest first or a number is not one of its own."""
    if not numbers:
        return []
    if program_account.payments_applied != ProgramAccount.PaymentsApplied.CHOSEN:
        raise FinancialError("chosen_not_enabled")
    found = {
        declaration.transaction_number: declaration
        for declaration in program_account.declarations.filter(transaction_number__in=numbers)
    }
    unknown = [number for number in numbers if number not in found]
    if unknown:
        raise FinancialError("chosen_unknown", numbers=", ".join(unknown))
    return [found[number] for number in numbers]


def _settle(payment: Payment, *, at: datetime.datetime, officer: User | None = None) -> None:
    """The money arrived: post the credit, apply it (to the chosen declarations first, then
    the oldest debt), release the declarations it paid and tell the importer."""
    account = payment.program_account
    posting = posting_create(
        program_account=account,
        kind=Posting.Kind.PAYMENT,
        amount=-payment.amount,
        filed_by=payment.paid_by,
        description=in_english(Payment.Method(payment.method).label),
        posted_at=at,
        allocate_now=False,
    )
    chosen = list(payment.chosen.values_list("transaction_number", flat=True))
    first = []
    if chosen:
        debits = Posting.objects.filter(
            program_account=account, transaction_number__in=chosen, amount__gt=0
        ).values_list("id", "transaction_number")
        order = {number: index for index, number in enumerate(chosen)}
        first = [key for key, number in sorted(debits, key=lambda row: (order[row[1]], row[0]))]
    allocate(account, at=at, credit=posting, debits_first=first)
    payment.status, payment.posting, payment.settled_at = Payment.Status.SETTLED, posting, at
    payment.settled_by = officer
    payment.save(update_fields=["status", "posting", "settled_at", "settled_by"])
    _release_paid_declarations(account)
    _payment_notify(payment, Kind.PAYMENT_RECEIVED, "payment", at=at)


def _payment_notify(
    payment: Payment, kind: Kind, dedupe: str, *, at: datetime.datetime, **facts
) -> None:
    account = payment.program_account
    for bam in bams_of([account.business_id])[account.business_id]:
        notification_send(
            recipient=bam,
            kind=kind,
            dedupe_key=f"{dedupe}:{payment.pk}",
            route="payment",
            route_args=[account.bn15, str(payment.pk)],
            context={
                "amount": str(payment.amount),
                "account": account.bn15,
                **facts,
            },
            at=at,
        )


def _locked_payment(payment: Payment) -> Payment:
    account = payment.program_account
    lock_account_balance(account)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    payment.program_account = account
    return payment


@transaction.atomic
def payment_settle(
    *, officer: User, payment: Payment, at: datetime.datetime | None = None
) -> Payment:
    """An officer marks a pending payment received (online banking, wire, EDI): its credit
    posts at that moment. Marking it again changes nothing."""
    _require_officer(officer, "financial.settle_payment")
    return payment_received(payment=payment, at=at, officer=officer)


@transaction.atomic
def payment_received(
    *, payment: Payment, at: datetime.datetime | None = None, officer: User | None = None
) -> Payment:
    """A pending payment's money arrived (an officer's word or the bank's remittance):
    settle it once; a payment already settled is left as it is, a returned one refused."""
    at = at or timezone.now()
    payment = _locked_payment(payment)
    if payment.status == Payment.Status.RETURNED:
        raise FinancialError("payment_returned")
    if payment.status == Payment.Status.PENDING:
        _settle(payment, at=at, officer=officer)
    return payment


@transaction.atomic
def payment_return(
    *, payment: Payment, reason: str, at: datetime.datetime | None = None
) -> Payment:
    """The bank returned the payment (or it never arrived). A pending one posts nothing; a
    settled one posts its reversal, and its credit leaves what it paid, which is owed again.
    The importer is told why. Returning it again changes nothing."""
    at = at or timezone.now()
    if reason not in Payment.ReturnReason.values:
        raise FinancialError("return_reason")
    payment = _locked_payment(payment)
    if payment.status == Payment.Status.RETURNED:
        return payment
    if payment.status == Payment.Status.SETTLED:
        released = allocations_release(payment.posting, at=at)
        payment.return_posting = posting_create(
            program_account=payment.program_account,
            kind=Posting.Kind.PAYMENT_RETURN,
            amount=payment.amount,
            filed_by=payment.paid_by,
            description=in_english(Payment.ReturnReason(reason).label),
            posted_at=at,
            allocate_now=False,
        )
        allocate(
            payment.program_account,
            at=at,
            credit=payment.posting,
            debits_first=[payment.return_posting.pk],
        )
        allocations_reflow(
            payment.program_account, reopened=[row.debit_id for row in released], at=at
        )
    payment.status, payment.returned_at, payment.return_reason = (
        Payment.Status.RETURNED,
        at,
        reason,
    )
    payment.save(update_fields=["status", "returned_at", "return_reason", "return_posting"])
    _payment_notify(payment, Kind.PAYMENT_RETURNED, "payment-returned", at=at, reason=reason)
    return payment


@transaction.atomic
def payment_return_by_officer(
    *, officer: User, payment: Payment, reason: str, at: datetime.datetime | None = None
) -> Payment:
    _require_officer(officer, "financial.return_payment")
    return payment_return(payment=payment, reason=reason, at=at)


def _release_paid_declarations(program_account: ProgramAccount) -> None:
    """Oldest debt first: a declaration is paid once every credit on the account covers
    the debits up to and including its charge (financial.selectors.debts). Three
    statements, however many wait."""
    waiting = program_account.declarations.filter(status=Declaration.Status.PAYMENT_REQUIRED)
    numbers = list(waiting.values_list("transaction_number", flat=True))
    if not numbers:
        return
    paid = [
        debt.transaction_number
        for debt in debts([program_account.pk], charges_of=numbers)
        if debt.paid
    ]
    if paid:
        waiting.filter(transaction_number__in=paid).update(status=Declaration.Status.PAID)


# --- Refunds -------------------------------------------------------------------------------


def _refund_post(
    *, program_account: ProgramAccount, amount: Decimal, description: str, at: datetime.datetime
) -> Posting:
    """Post a refund of `amount` if the credit covers it: a debit the account's open credits
    pay, oldest first (financial/allocations.py), so the balance moves toward zero and the
    credit refunded is spent. The balance row is locked here, before it is read."""
    balance = lock_account_balance(program_account).balance
    if balance >= 0:
        raise FinancialError("refund_with_debt")
    if amount > -balance:
        raise FinancialError("refund_over_credit", credit=-balance)
    return posting_create(
        program_account=program_account,
        kind=Posting.Kind.REFUND,
        amount=amount,
        description=description[:200],
        posted_at=at,
    )


@transaction.atomic
def refund_issue(*, officer: User, program_account: ProgramAccount, amount: Decimal) -> Posting:
    """Pay out a credit balance. Credits go to debt first, so a refund is issued only when
    no debt remains, and never for more than the credit."""
    return _refund_post(
        program_account=program_account,
        amount=_stated_amount(amount),
        description=f"Refund by {officer.email}",
        at=timezone.now(),
    )


def _refund_notify(refund: RefundRequest, kind: Kind, at: datetime.datetime, **facts) -> None:
    """Tell the account's Business Account Managers; the link leads to the request's page."""
    account = refund.program_account
    for bam in bams_of([account.business_id])[account.business_id]:
        notification_send(
            recipient=bam,
            kind=kind,
            dedupe_key=f"{kind}:{refund.pk}",
            route="refund",
            route_args=[account.bn15, str(refund.pk)],
            context={"amount": str(refund.amount), "account": account.bn15, **facts},
            at=at,
        )


@transaction.atomic
def refund_request_create(
    *,
    actor: User,
    program_account: ProgramAccount,
    amount: Decimal,
    idempotency_key: str,
    at: datetime.datetime | None = None,
) -> tuple[RefundRequest, bool]:
    """A Business Account Manager asks for a refund of (part of) the account's credit;
    returns (request, created). Refused, writing nothing, for an amount that is not more
    than zero, more than the credit, or while another request waits for CBSA. The same
    key with the same amount returns the first request; with another amount it is refused
    (docs/rules.md §14)."""
    _require(actor, Action.MANAGE_BANKING, program_account)
    at = at or timezone.now()
    if not (1 <= len(idempotency_key) <= 255 and idempotency_key.isprintable()):
        raise FinancialError("refund_idempotency_key")
    amount = _stated_amount(amount)
    balance = lock_account_balance(program_account).balance
    existing = RefundRequest.objects.filter(
        program_account=program_account, idempotency_key=idempotency_key
    ).first()
    if existing is not None:
        if existing.amount != amount:
            raise FinancialError("refund_idempotency_conflict")
        return existing, False
    waiting = RefundRequest.objects.filter(
        program_account=program_account, status__in=RefundRequest.OPEN
    ).first()
    if waiting is not None:
        raise FinancialError("refund_open", amount=waiting.amount)
    if balance >= 0:
        raise FinancialError("refund_with_debt")
    if amount > -balance:
        raise FinancialError("refund_over_credit", credit=-balance)
    refund = RefundRequest.objects.create(
        program_account=program_account,
        amount=amount,
        idempotency_key=idempotency_key,
        requested_by=actor,
        requested_at=at,
    )
    access_log_changed(
        user=actor,
        program_account=program_account,
        action=Action.MANAGE_BANKING,
        what=refund.reference,
        at=at,
    )
    _refund_notify(refund, Kind.REFUND_REQUESTED, at, requester=actor.get_full_name())
    return refund, True


def _locked_refund(refund: RefundRequest) -> RefundRequest:
    account = refund.program_account
    lock_account_balance(account)
    refund = RefundRequest.objects.select_for_update().get(pk=refund.pk)
    refund.program_account = account
    return refund


def _refund_decided(refund: RefundRequest) -> FinancialError:
    return FinancialError("refund_already_decided", status=PAYMENT_STATUSES[refund.status])


@transaction.atomic
def refund_request_approve(
    *, officer: User, refund: RefundRequest, at: datetime.datetime | None = None
) -> RefundRequest:
    """An officer approves a requested refund. Approving it again changes nothing; a
    refused or issued one is refused."""
    _require_officer(officer, "financial.decide_refund")
    at = at or timezone.now()
    refund = _locked_refund(refund)
    if refund.status == RefundRequest.Status.APPROVED:
        return refund
    if refund.status != RefundRequest.Status.REQUESTED:
        raise _refund_decided(refund)
    refund.status, refund.approved_by, refund.approved_at = (
        RefundRequest.Status.APPROVED,
        officer,
        at,
    )
    refund.save(update_fields=["status", "approved_by", "approved_at"])
    _refund_notify(refund, Kind.REFUND_APPROVED, at)
    return refund


@transaction.atomic
def refund_request_refuse(
    *, officer: User, refund: RefundRequest, reason: str, at: datetime.datetime | None = None
) -> RefundRequest:
    """An officer refuses a refund request, requested or approved, saying why; the BAMs
    read the reason. Refusing it again changes nothing; an issued one is refused."""
    _require_officer(officer, "financial.decide_refund")
    at = at or timezone.now()
    reason = reason.strip()
    if not reason:
        raise FinancialError("refund_refusal_reason")
    refund = _locked_refund(refund)
    if refund.status == RefundRequest.Status.REFUSED:
        return refund
    if refund.status == RefundRequest.Status.ISSUED:
        raise _refund_decided(refund)
    refund.status, refund.refused_by, refund.refused_at = RefundRequest.Status.REFUSED, officer, at
    refund.refusal_reason = reason[:1000]
    refund.save(update_fields=["status", "refused_by", "refused_at", "refusal_reason"])
    _refund_notify(refund, Kind.REFUND_REFUSED, at, refusal=refund.refusal_reason)
    return refund


@transaction.atomic
def refund_request_issue(
    *, officer: User, refund: RefundRequest, at: datetime.datetime | None = None
) -> RefundRequest:
    """An officer issues an approved refund: the credit is checked again (it may have paid
    a debt since), and the refund posts to the ledger. Issuing it again posts nothing."""
    _require_officer(officer, "financial.issue_refund")
    at = at or timezone.now()
    refund = _locked_refund(refund)
    if refund.status == RefundRequest.Status.ISSUED:
        return refund
    if refund.status == RefundRequest.Status.REQUESTED:
        raise FinancialError("refund_not_approved")
    if refund.status != RefundRequest.Status.APPROVED:
        raise _refund_decided(refund)
    refund.posting = _refund_post(
        program_account=refund.program_account,
        amount=refund.amount,
        description=refund.reference,
        at=at,
    )
    refund.status, refund.issued_by, refund.issued_at = RefundRequest.Status.ISSUED, officer, at
    refund.save(update_fields=["status", "issued_by", "issued_at", "posting"])
    _refund_notify(refund, Kind.REFUND_ISSUED, at)
    return refund


# --- Invoices ------------------------------------------------------------------------------


def _require_officer(officer: User, permission: str) -> None:
    if not (officer.is_active and officer.is_staff and officer.has_perm(permission)):
        raise FinancialError("not_an_officer")


def _invoice_notify(invoice: Invoice, kind: Kind, dedupe: str, at: datetime.datetime) -> None:
    """Tell the importer's Business Account Managers; the link leads to the invoice."""
    account = invoice.program_account
    for bam in bams_of([account.business_id])[account.business_id]:
        notification_send(
            recipient=bam,
            kind=kind,
            dedupe_key=f"{dedupe}:{invoice.pk}",
            context={
                "account": account.bn15,
                "reference": invoice.reference,
                "invoice_kind": invoice.kind,
                "amount": str(invoice.amount),
                "due_date": invoice.due_date.isoformat(),
            },
            route="invoice",
            route_args=[account.bn15, str(invoice.pk)],
            at=at,
        )


@transaction.atomic
def invoice_issue(
    *,
    officer: User,
    program_account: ProgramAccount,
    kind: str,
    amount: Decimal,
    due_date: datetime.date,
    reference: str,
    description: str = "",
    at: datetime.datetime | None = None,
) -> Invoice:
    """An officer issues an invoice on a program account: its charge posts to the ledger
    and the importer's Business Account Managers are told. `at` is the moment it is
    issued (now, unless history is written at its own date). docs/rules.md §10."""
    _require_officer(officer, "financial.add_invoice")
    at = at or timezone.now()
    if kind not in Invoice.Kind.values:
        raise FinancialError("invoice_kind")
    amount = _stated_amount(amount)
    reference = reference.strip().upper()
    if not re.fullmatch(Invoice.REFERENCE, reference):
        raise FinancialError("invoice_reference")
    if due_date < timezone.localdate(at):
        raise FinancialError("invoice_due_date")
    lock_account_balance(program_account)
    if Invoice.objects.filter(reference=reference).exists():
        raise FinancialError("invoice_reference_taken", reference=reference)
    posting = posting_create(
        program_account=program_account,
        kind=Posting.Kind.INVOICE,
        amount=amount,
        description=reference,
        posted_at=at,
    )
    try:
        with transaction.atomic():
            invoice = Invoice.objects.create(
                program_account=program_account,
                kind=kind,
                reference=reference,
                description=description.strip()[:200],
                amount=amount,
                due_date=due_date,
                issued_by=officer,
                issued_at=at,
                posting=posting,
            )
    except IntegrityError:  # the same reference, issued at this very moment elsewhere
        raise FinancialError("invoice_reference_taken", reference=reference) from None
    _invoice_notify(invoice, Kind.INVOICE_ISSUED, "invoice", at)
    return invoice


@transaction.atomic
def invoice_cancel(
    *,
    officer: User,
    invoice: Invoice,
    reason: str,
    at: datetime.datetime | None = None,
) -> Invoice:
    """An officer cancels an invoice, once: the reversal of its charge posts and the
    importer's Business Account Managers are told. An invoice is never edited."""
    _require_officer(officer, "financial.cancel_invoice")
    at = at or timezone.now()
    reason = reason.strip()
    if not reason:
        raise FinancialError("invoice_cancellation_reason")
    account = invoice.program_account
    lock_account_balance(account)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    invoice.program_account = account
    if invoice.is_cancelled:
        raise FinancialError(
            "invoice_already_cancelled",
            reference=invoice.reference,
            date=timezone.localdate(invoice.cancelled_at),
        )
    # The charge and its reversal settle each other: what paid the charge is free again
    # for the account's other debts, oldest first.
    allocations_release(invoice.posting, at=at)
    invoice.cancellation_posting = posting_create(
        program_account=account,
        kind=Posting.Kind.INVOICE_CANCELLATION,
        amount=-invoice.amount,
        description=invoice.reference,
        posted_at=at,
        allocate_now=False,
    )
    allocate(account, at=at, credit=invoice.cancellation_posting, debits_first=[invoice.posting_id])
    invoice.cancelled_at, invoice.cancelled_by = at, officer
    invoice.cancellation_reason = reason[:1000]
    invoice.save(
        update_fields=[
            "cancelled_at",
            "cancelled_by",
            "cancellation_posting",
            "cancellation_reason",
        ]
    )
    _invoice_notify(invoice, Kind.INVOICE_CANCELLED, "invoice-cancelled", at)
    return invoice
