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
from financial.calendar import billing_period, start_of
from financial.models import (
    AccountBalance,
    Declaration,
    DeclarationVersion,
    Invoice,
    Payment,
    Posting,
    RefundRequest,
    Statement,
)


def account_balance(program_account: ProgramAccount) -> Decimal:
    """The balance as kept beside the ledger: one row read, however long the history."""
    row = AccountBalance.objects.filter(program_account=program_account).first()
    return row.balance if row else ZERO


def ledger_mismatches():
    """Accounts whose kept balance differs from the sum of their postings (should be none)."""
    sums = (
        Posting.objects.filter(program_account=OuterRef("program_account"))
        .values("program_account")
        .annotate(total=Sum("amount"), count=Count("id"))
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    balances = AccountBalance.objects.annotate(
        ledger_total=Coalesce(Subquery(sums.values("total")), Value(ZERO), output_field=money),
        ledger_count=Coalesce(Subquery(sums.values("count")), Value(0)),
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
