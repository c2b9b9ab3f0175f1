"""Reads of the ledger."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, DecimalField, F, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import Business, ProgramAccount
from delegation.permissions import (
    Action,
    can,
    employee_role,
    get_program_account_for,
    program_accounts_visible_to,
    third_party_relationships,
)
from financial.calculation import ZERO
from financial.calendar import EASTERN, billing_period, start_of
from financial.models import (
    PAYMENT_KINDS,
    STATED_LEVIES,
    AccountBalance,
    Allocation,
    ArchivedPostings,
    Declaration,
    DeclarationLine,
    DeclarationVersion,
    Invoice,
    Payment,
    Posting,
    RefundRequest,
    Statement,
)


def still_owed(total_payable: Decimal, balance: Decimal) -> Decimal:
    """What is still owed of a statement: its total payable, never more than the account
    owes now (payments apply to the oldest amounts first), never below zero."""
    return max(ZERO, min(total_payable, balance))


def amounts_due(program_accounts: Iterable[ProgramAccount], due_date: datetime.date) -> dict:
    """{account id: what is still owed of its statement due on `due_date`}, for all the
    accounts in one read; an account without such a statement is absent."""
    rows = Statement.objects.filter(
        program_account__in=[account.pk for account in program_accounts], due_date=due_date
    ).values_list("program_account_id", "total_payable", "program_account__balance_row__balance")
    return {pk: still_owed(total, balance or ZERO) for pk, total, balance in rows}


def account_balance(program_account: ProgramAccount) -> Decimal:
    """The balance as kept beside the ledger: one row read, however long the history."""
    row = AccountBalance.objects.filter(program_account=program_account).first()
    return row.balance if row else ZERO


def ledger_mismatches():
    """Accounts whose kept balance differs from the sum of their postings, those in the
    ledger and those of months archived (financial/partitions.py): should be none."""
    sums = (
        Posting.objects.filter(program_account=OuterRef("program_account"))
        .values("program_account")
        .annotate(total=Sum("amount"), count=Count("id"))
    )
    archived = (
        ArchivedPostings.objects.filter(program_account=OuterRef("program_account"))
        .values("program_account")
        .annotate(total=Sum("amount"), count=Sum("postings"))
    )
    money = DecimalField(max_digits=14, decimal_places=2)

    def total(rows):
        return Coalesce(Subquery(rows.values("total")), Value(ZERO), output_field=money)

    def count(rows):
        return Coalesce(Subquery(rows.values("count")), Value(0))

    balances = AccountBalance.objects.annotate(
        ledger_total=total(sums) + total(archived),
        ledger_count=count(sums) + count(archived),
    ).filter(~Q(balance=F("ledger_total")) | ~Q(postings=F("ledger_count")))
    orphans = (
        ProgramAccount.objects.filter(postings__isnull=False, balance_row__isnull=True)
        .distinct()
        .values_list("bn15", flat=True)
    )
    return list(balances.values_list("program_account__bn15", "balance", "ledger_total")) + [
        (bn15, None, None) for bn15 in orphans
    ]


def card_remaining(program_account: ProgramAccount, day: datetime.date) -> Decimal:
    """What may still be paid by credit card on the account in the billing period of `day`:
    the limit less the period's card payments not returned (CSCB bulletin 5408)."""
    start, end = billing_period(day)
    this_cycle = (
        Payment.objects.filter(
            program_account=program_account,
            method=Payment.Method.CREDIT_CARD,
            created_at__date__gte=start,
            created_at__date__lte=end,
        )
        .exclude(status=Payment.Status.RETURNED)
        .aggregate(total=Sum("amount"))["total"]
        or ZERO
    )
    return max(Payment.CREDIT_CARD_LIMIT - this_cycle, ZERO)


# --- Oldest debt first ----------------------------------------------------------------------

# For the debits asked about (by posting id, or the charges of these transaction numbers) on
# these accounts: what is still unpaid of each, from its allocations (docs/rules.md §12),
# and what is unpaid on its account up to and including it, debits in posting order.
DEBTS = """
WITH debits AS (
  SELECT p.id, p.program_account_id, p.kind, p.transaction_number, p.amount, p.posted_at,
         p.amount - COALESCE(
           (SELECT SUM(a.amount) FROM financial_allocation a WHERE a.debit_id = p.id), 0
         ) AS unpaid
  FROM financial_posting p
  WHERE p.program_account_id = ANY(%(accounts)s) AND p.amount > 0
), owed AS (
  SELECT *, SUM(unpaid) OVER (PARTITION BY program_account_id ORDER BY posted_at, id) AS until
  FROM debits
)
SELECT id, transaction_number, amount, unpaid, until FROM owed
WHERE id = ANY(%(ids)s) OR (kind = %(charge)s AND transaction_number = ANY(%(numbers)s))
"""


@dataclass(frozen=True)
class Debt:
    """One debit, what is left of it, and what pays it off with every older debt."""

    posting_id: int
    transaction_number: str
    amount: Decimal
    unpaid: Decimal
    # Unpaid on the account up to and including this debit: a payment of this much, applied
    # oldest first, pays it off.
    to_settle: Decimal

    @property
    def paid(self) -> bool:
        return self.unpaid <= 0


def debts(
    program_account_ids: Iterable[int],
    *,
    posting_ids: Iterable[int] = (),
    charges_of: Iterable[str] = (),
) -> list[Debt]:
    """The debits `posting_ids` and the charges of the transaction numbers `charges_of` on
    these accounts, with how far each account's credits reach them; one statement however
    many."""
    with connection.cursor() as cursor:
        cursor.execute(
            DEBTS,
            {
                "accounts": sorted(set(program_account_ids)),
                "ids": list(posting_ids),
                "numbers": list(charges_of),
                "charge": Posting.Kind.CHARGE.value,
            },
        )
        return [Debt(*row) for row in cursor.fetchall()]


# --- Invoices -------------------------------------------------------------------------------


def with_invoice_status(invoices: Iterable[Invoice], today: datetime.date) -> list[Invoice]:
    """The invoices, each with `status` (Invoice.Status), `status_label`, `unpaid` (what
    remains of it) and `to_settle` (what pays it off, older debts first): read from the
    ledger in one statement for any number of them, never stored."""
    invoices = list(invoices)
    current = [invoice for invoice in invoices if not invoice.is_cancelled]
    found = {}
    if current:
        found = {
            debt.posting_id: debt
            for debt in debts(
                {invoice.program_account_id for invoice in current},
                posting_ids=[invoice.posting_id for invoice in current],
            )
        }
    labels = dict(Invoice.Status.choices)
    for invoice in invoices:
        if invoice.is_cancelled:
            status, invoice.unpaid, invoice.to_settle = Invoice.Status.CANCELLED, ZERO, ZERO
        else:
            debt = found[invoice.posting_id]
            invoice.unpaid, invoice.to_settle = debt.unpaid, debt.to_settle
            if debt.paid:
                status = Invoice.Status.PAID
            elif invoice.due_date < today:
                status = Invoice.Status.OVERDUE
            else:
                status = Invoice.Status.OUTSTANDING
        invoice.status, invoice.status_label = status, labels[status]
    return invoices


def invoices_visible_to(user, program_account: ProgramAccount):
    """The account's invoices, newest first, for those who may see statements, balance and
    payments."""
    if not can(user, Action.VIEW_STATEMENTS, program_account):
        return program_account.invoices.none()
    return program_account.invoices.order_by("-issued_at", "-id")


def get_invoice_for(user, bn15: str, pk: int) -> tuple[ProgramAccount, Invoice]:
    """The account and one of its invoices, for a page or the API: 404 when either is
    unknown or unseen (an invoice of another account too), 403 as the account says."""
    account = get_program_account_for(user, bn15, Action.VIEW_STATEMENTS)
    invoice = get_object_or_404(invoices_visible_to(user, account), pk=pk)
    invoice.program_account = account
    return account, invoice


def refunds_visible_to(user, program_account: ProgramAccount):
    """The account's refund requests, newest first, for those who may see statements,
    balance and payments (docs/rules.md §14)."""
    if not can(user, Action.VIEW_STATEMENTS, program_account):
        return program_account.refund_requests.none()
    return program_account.refund_requests.order_by("-requested_at", "-id")


def get_refund_for(user, bn15: str, pk: int) -> tuple[ProgramAccount, RefundRequest]:
    """The account and one of its refund requests: 404 when either is unknown or unseen
    (a request of another account too), 403 as the account says."""
    account = get_program_account_for(user, bn15, Action.VIEW_STATEMENTS)
    refund = get_object_or_404(
        refunds_visible_to(user, account).select_related("requested_by"), pk=pk
    )
    refund.program_account = account
    return account, refund


def refundable(program_account: ProgramAccount) -> Decimal:
    """What the account is owed now: its credit balance, or zero."""
    return max(-account_balance(program_account), ZERO)


@dataclass(frozen=True)
class InvoiceEvent:
    """An invoice issued or cancelled in a statement's period: a line of its invoices'
    group (`amount` signed as the ledger has it)."""

    at: datetime.datetime
    invoice: Invoice
    cancelled: bool

    @property
    def amount(self) -> Decimal:
        return -self.invoice.amount if self.cancelled else self.invoice.amount


def statement_postings(statement: Statement) -> list[Posting]:
    """The account's transactions of the statement's billing period, oldest first (Eastern
    days, as the statement counts them)."""
    return list(
        Posting.objects.filter(
            program_account_id=statement.program_account_id,
            posted_at__gte=start_of(statement.period_start),
            posted_at__lt=start_of(statement.period_end + datetime.timedelta(1)),
        ).order_by("posted_at", "id")
    )


def statement_invoice_events(statement: Statement) -> list[InvoiceEvent]:
    """The invoices issued (line F) and cancelled (line G) in the statement's period, in
    the order they posted; one query."""
    start = start_of(statement.period_start)
    end = start_of(statement.period_end + datetime.timedelta(days=1))
    invoices = Invoice.objects.filter(program_account_id=statement.program_account_id).filter(
        Q(issued_at__gte=start, issued_at__lt=end)
        | Q(cancelled_at__gte=start, cancelled_at__lt=end)
    )
    events = []
    for invoice in invoices:
        if start <= invoice.issued_at < end:
            events.append(InvoiceEvent(invoice.issued_at, invoice, cancelled=False))
        if invoice.cancelled_at is not None and start <= invoice.cancelled_at < end:
            events.append(InvoiceEvent(invoice.cancelled_at, invoice, cancelled=True))
    return sorted(events, key=lambda event: (event.at, event.invoice.pk, event.cancelled))


# --- What a user may see of an account's history ----------------------------------------


def postings_visible_to(user, program_account: ProgramAccount):
    """The account's postings the user may see, enforced in the query so that pages, totals,
    exports and the API agree: a third party always sees what it filed itself; what others
    filed only with "others' transactions"; payments, interest and the like only with
    "statements, balance and payments"."""
    postings = program_account.postings.all()
    sees_others = can(user, Action.VIEW_OTHERS_TRANSACTIONS, program_account)
    sees_money = can(user, Action.VIEW_STATEMENTS, program_account)
    if sees_others and sees_money:
        return postings
    own = Q(
        filed_by_id__in=[r.provider_id for r in third_party_relationships(user, program_account)]
    )
    others = Q(pk__in=[]) if not sees_others else Q()
    if not sees_money:
        others &= Q(kind__in=Posting.DECLARATION_KINDS)
    return postings.filter(own | (others & ~own))


def history(
    user,
    program_account: ProgramAccount,
    *,
    posted_after=None,
    posted_before=None,
    kind: str = "",
    transaction_number: str = "",
):
    """The postings the user may see, newest first. Dates are Eastern days, compared as
    time ranges so that the (account, posted_at, id) index serves them."""
    postings = postings_visible_to(user, program_account)
    if posted_after:
        postings = postings.filter(posted_at__gte=start_of(posted_after))
    if posted_before:
        postings = postings.filter(posted_at__lt=start_of(posted_before + datetime.timedelta(1)))
    if kind:
        postings = postings.filter(kind=kind)
    if transaction_number:
        postings = postings.filter(transaction_number=transaction_number)
    return postings.order_by("-posted_at", "-id")


def with_lines(declarations):
    """Declarations with what the API shows of each, read in a fixed number of queries:
    the current (latest approved) version's lines as `current_lines`, every version and
    its lines."""
    approved = (
        DeclarationVersion.objects.filter(status=DeclarationVersion.Status.APPROVED)
        .order_by("-number")
        .prefetch_related("lines")
    )
    return declarations.select_related("program_account", "filed_by").prefetch_related(
        Prefetch("versions", queryset=approved, to_attr="approved_versions"),
        Prefetch("versions", queryset=DeclarationVersion.objects.prefetch_related("lines")),
    )


def declarations_visible_to(user, program_account: ProgramAccount):
    declarations = program_account.declarations.select_related("filed_by")
    if can(user, Action.VIEW_OTHERS_TRANSACTIONS, program_account):
        return declarations
    providers = [r.provider_id for r in third_party_relationships(user, program_account)]
    return declarations.filter(filed_by_id__in=providers)


def acting_business(user, program_account: ProgramAccount) -> Business | None:
    """The business on whose behalf the user acts on this account: the importer itself for
    its employees, the provider for a third party; None for anyone else."""
    if employee_role(user, program_account) is not None:
        return program_account.business
    relationships = third_party_relationships(user, program_account)
    return relationships[0].provider if relationships else None


def third_party_payments_since(program_account: ProgramAccount, since: datetime.date):
    """Payments a service provider made on the account since `since`: the importer is
    warned before paying what its broker may already have paid."""
    return (
        program_account.payments.exclude(paid_by_id=program_account.business_id)
        .filter(created_at__gte=start_of(since))
        .select_related("paid_by")
        .order_by("-created_at")
    )


def statements_visible_to(user, program_account: ProgramAccount):
    """The account's statements, for those who may see statements, balance and payments."""
    if not can(user, Action.VIEW_STATEMENTS, program_account):
        return program_account.statements.none()
    return program_account.statements.order_by("-period_end")


def get_statement_for(user, bn15: str, period_end: str) -> tuple[ProgramAccount, Statement]:
    """The account and its statement of the period ending `period_end` (YYYY-MM-DD), for
    a page or the API: 404 when either is unknown or unseen, 403 as the account says."""
    account = get_program_account_for(user, bn15, Action.VIEW_STATEMENTS)
    try:
        day = datetime.date.fromisoformat(period_end)
    except ValueError:
        raise Http404 from None
    return account, get_object_or_404(statements_visible_to(user, account), period_end=day)


def get_declaration_for(
    user, transaction_number: str, action: Action = Action.VIEW_ACCOUNT
) -> Declaration:
    """A declaration on an account the user sees, filed by someone whose transactions the
    user may see, for a page or the API: 404 otherwise; 403 if seen but `action` is not
    allowed."""
    declaration = (
        Declaration.objects.select_related("program_account__business", "filed_by")
        .filter(
            transaction_number=transaction_number,
            program_account__in=program_accounts_visible_to(user),
        )
        .first()
    )
    if declaration is None:
        raise Http404
    account = declaration.program_account
    own = {r.provider_id for r in third_party_relationships(user, account)}
    if declaration.filed_by_id not in own and not can(
        user, Action.VIEW_OTHERS_TRANSACTIONS, account
    ):
        raise Http404
    if not can(user, action, account):
        raise PermissionDenied
    return declaration


# --- An adjustment beside what it changes ---------------------------------------------------

# The line's columns an officer compares, in the order they are shown.
COMPARED = (
    "hs_code",
    "description",
    "quantity",
    "value_for_duty",
    "duty_rate",
    "gst_rate",
    *STATED_LEVIES,
    "duty",
    "gst",
    "total",
)


@dataclass(frozen=True)
class LineChange:
    """One line of a version beside the same line of the version it would replace; either
    side is None for a line added or removed."""

    position: int
    before: DeclarationLine | None
    after: DeclarationLine | None

    @property
    def changed(self) -> frozenset[str]:
        if self.before is None or self.after is None:
            return frozenset(COMPARED)
        return frozenset(
            name for name in COMPARED if getattr(self.before, name) != getattr(self.after, name)
        )


def version_changes(
    version: DeclarationVersion,
) -> tuple[DeclarationVersion | None, list[LineChange]]:
    """The approved version `version` follows (None for an original) and their lines side
    by side, by position: two queries."""
    previous = (
        DeclarationVersion.objects.filter(
            declaration_id=version.declaration_id,
            status=DeclarationVersion.Status.APPROVED,
            number__lt=version.number,
        )
        .order_by("-number")
        .first()
    )
    lines = DeclarationLine.objects.filter(
        version_id__in=[version.pk, *([previous.pk] if previous else [])]
    )
    before = {line.position: line for line in lines if previous and line.version_id == previous.pk}
    after = {line.position: line for line in lines if line.version_id == version.pk}
    return previous, [
        LineChange(position, before.get(position), after.get(position))
        for position in sorted(before.keys() | after.keys())
    ]


# --- Payments -------------------------------------------------------------------------------


def payments_visible_to(user, program_account: ProgramAccount):
    """The account's payments, newest first, for those who may see statements, balance and
    payments (a broker only with that visibility; bank details are never part of them)."""
    if not can(user, Action.VIEW_STATEMENTS, program_account):
        return program_account.payments.none()
    return program_account.payments.order_by("-created_at", "-id")


def get_payment_for(user, bn15: str, pk: int) -> tuple[ProgramAccount, Payment]:
    """The account and one of its payments, for a page or the API: 404 when either is
    unknown or unseen (a payment of another account too), 403 as the account says."""
    account = get_program_account_for(user, bn15, Action.VIEW_STATEMENTS)
    payment = get_object_or_404(payments_visible_to(user, account), pk=pk)
    payment.program_account = account
    return account, payment


def pending_payments_total(program_account: ProgramAccount) -> Decimal:
    """What the account's payments still waiting for their money add up to: not in the
    balance until it arrives (docs/rules.md §12)."""
    return (
        program_account.payments.filter(status=Payment.Status.PENDING).aggregate(
            total=Sum("amount")
        )["total"]
        or ZERO
    )


@dataclass(frozen=True)
class Application:
    """What one credit paid of one debit, net of the rows that took it back."""

    posting: Posting  # the other side: the debit paid, or the credit that paid it
    amount: Decimal
    statement_end: datetime.date | None  # the statement that shows that posting, if issued

    @property
    def invoice(self) -> Invoice | None:
        return getattr(self.posting, "invoice", None)

    @property
    def payment(self) -> Payment | None:
        return getattr(self.posting, "payment", None)


def _eastern_day(posting: Posting) -> datetime.date:
    return posting.posted_at.astimezone(EASTERN).date()


def _applications(allocations, mine: str | None, other: str, program_account_id: int):
    """Allocation rows netted by pair: {key on `mine`'s side (None if not asked): [what it
    paid or was paid by, oldest first]}. Three queries however many rows."""
    fields = [other] if mine is None else [mine, other]
    net = {}
    for row in allocations.values(*fields).annotate(total=Sum("amount")).order_by():
        if row["total"]:
            net[(row[mine] if mine else None, row[other])] = row["total"]
    postings = {
        posting.pk: posting
        for posting in Posting.objects.filter(pk__in={pk for _, pk in net}).select_related(
            "invoice", "payment"
        )
    }
    ends = {pk: billing_period(_eastern_day(posting))[1] for pk, posting in postings.items()}
    issued = set(
        Statement.objects.filter(
            program_account_id=program_account_id, period_end__in=set(ends.values())
        ).values_list("period_end", flat=True)
    )
    found: dict = {}
    for (key, pk), amount in sorted(
        net.items(), key=lambda item: (postings[item[0][1]].posted_at, item[0][1])
    ):
        end = ends[pk]
        found.setdefault(key, []).append(
            Application(postings[pk], amount, end if end in issued else None)
        )
    return found


def payment_applications(payment: Payment) -> list[Application]:
    """What a settled payment paid, debt by debt, oldest first, net of what was taken back
    (a returned payment ends up set against its own reversal); none while it is pending."""
    return with_applications([payment])[0].applications


def with_applications(payments: Iterable[Payment]) -> list[Payment]:
    """The payments of one account, each with `applications` (what it paid) and
    `unapplied` (what of it no debt has taken yet; None unless settled): for a page or the
    API, in a fixed number of queries."""
    payments = list(payments)
    credits = [payment.posting_id for payment in payments if payment.posting_id is not None]
    found = {}
    if credits:
        found = _applications(
            Allocation.objects.filter(credit_id__in=credits),
            "credit",
            "debit",
            payments[0].program_account_id,
        )
    for payment in payments:
        payment.applications = found.get(payment.posting_id, [])
        payment.unapplied = None
        if payment.status == Payment.Status.SETTLED:
            payment.unapplied = payment.amount - sum(
                (application.amount for application in payment.applications), ZERO
            )
    return payments


def declaration_applications(declaration: Declaration) -> tuple[list[Application], Decimal]:
    """The credits that paid a declaration's charges (its charge and any correction that
    raised it), net, oldest first, and what is still owed on them."""
    debits = Posting.objects.filter(
        program_account_id=declaration.program_account_id,
        transaction_number=declaration.transaction_number,
        amount__gt=0,
    )
    applications = _applications(
        Allocation.objects.filter(debit__in=debits), None, "credit", declaration.program_account_id
    ).get(None, [])
    owed = (debits.aggregate(total=Sum("amount"))["total"] or ZERO) - sum(
        (application.amount for application in applications), ZERO
    )
    return applications, owed


@dataclass(frozen=True)
class Step:
    at: datetime.datetime
    status: str
    label: str


def payment_timeline(payment: Payment) -> list[Step]:
    """The payment's steps so far, in order: made, received, returned."""
    labels = dict(Payment.Status.choices)
    steps = [Step(payment.created_at, Payment.Status.PENDING, labels[Payment.Status.PENDING])]
    if payment.settled_at is not None:
        steps.append(
            Step(payment.settled_at, Payment.Status.SETTLED, labels[Payment.Status.SETTLED])
        )
    if payment.returned_at is not None:
        steps.append(
            Step(payment.returned_at, Payment.Status.RETURNED, labels[Payment.Status.RETURNED])
        )
    return steps


def with_payment_ids(postings: list[Posting]) -> list[Posting]:
    """The page's postings, each payment and returned payment with `payment_id`, the
    payment it records (None on other rows): one query a page."""
    ids = [posting.pk for posting in postings if posting.kind in PAYMENT_KINDS]
    found = {}
    if ids:
        for pk, credit, reversal in Payment.objects.filter(
            Q(posting_id__in=ids) | Q(return_posting_id__in=ids)
        ).values_list("pk", "posting_id", "return_posting_id"):
            found[credit] = pk
            if reversal is not None:
                found[reversal] = pk
    for posting in postings:
        posting.payment_id = found.get(posting.pk)
    return postings


def declarations_owing(user, program_account: ProgramAccount, limit: int = 100) -> list[Debt]:
    """The charges of the declarations the user sees on the account that are not paid yet,
    oldest first: what a payer may choose to pay first."""
    numbers = list(
        declarations_visible_to(user, program_account)
        .exclude(status=Declaration.Status.PAID)
        .order_by("filed_at", "id")
        .values_list("transaction_number", flat=True)[:limit]
    )
    if not numbers:
        return []
    owing = [debt for debt in debts([program_account.pk], charges_of=numbers) if not debt.paid]
    order = {number: index for index, number in enumerate(numbers)}
    return sorted(owing, key=lambda debt: order[debt.transaction_number])
