"""A stateful property test over the ledger's services: random declarations, corrections,
payments by every method (some replayed with their key, some applied to chosen
declarations, pending ones received later, some returned by the bank before or after they
settle), refunds (an officer's own, and those a BAM requests that an officer approves or
refuses, then issues, each step sometimes twice), and invoices an officer issues and
cancels (some twice) on two accounts.
After every step each balance equals the sum of its postings and the model's own count of
money; a refund never pays out more than the credit, and the credit pays it whole when it
is issued; a refund request is issued at most once, with one posting, and at most one
waits on an account; declaration totals are never
negative; an invoice is cancelled at most once; allocations never exceed a payment or
over-pay a debt, and never leave a debt and a credit open side by side; a returned
payment's credit pays only its own reversal; on the account that applies payments oldest
first, a debt is paid exactly when the credits reach it."""

import datetime
import itertools
from decimal import Decimal as D

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from accounts.models import ProgramAccount, Role
from accounts.services.officers import officers_group_sync
from financial.errors import FinancialError
from financial.models import Allocation, Declaration, Invoice, Payment, Posting, RefundRequest
from financial.selectors import account_balance, ledger_mismatches, with_invoice_status
from financial.services import (
    declaration_correct,
    declaration_file,
    invoice_cancel,
    invoice_issue,
    payment_create,
    payment_received,
    payment_return,
    refund_issue,
    refund_request_approve,
    refund_request_create,
    refund_request_issue,
    refund_request_refuse,
)
from tests.factories import BusinessFactory, ProgramAccountFactory, UserFactory, member

cents = st.integers(min_value=1, max_value=5_000_000).map(lambda n: D(n) / 100)
REFERENCES = itertools.count(1)
rates = st.sampled_from([D("0"), D("0.025"), D("0.065"), D("0.18"), D("0.095")])


def line(value: D, rate: D) -> dict:
    return {
        "hs_code": "8471300000",
        "description": "Goods",
        "quantity": D("1"),
        "value_for_duty": value,
        "duty_rate": rate,
    }


class LedgerMachine(RuleBasedStateMachine):
    declarations = Bundle("declarations")
    payments = Bundle("payments")
    invoices = Bundle("invoices")
    refund_requests = Bundle("refund_requests")

    def __init__(self) -> None:
        super().__init__()
        business = BusinessFactory()
        self.accounts = [
            ProgramAccountFactory(business=business, reference="RM0001"),
            ProgramAccountFactory(
                business=business,
                reference="RM0002",
                rpp_status=ProgramAccount.RppStatus.NOT_ENROLLED,
                payments_applied=ProgramAccount.PaymentsApplied.CHOSEN,
            ),
        ]
        self.importer = UserFactory()
        member(self.importer, business, Role.BAM)
        self.officer = UserFactory(is_staff=True)
        self.officer.groups.add(officers_group_sync())
        # What the model expects each account to owe, kept apart from the ledger.
        self.owed = {account.pk: D("0.00") for account in self.accounts}
        self.keys = 0
        # The model's refund requests: {pk: status}, and the one waiting on each account.
        self.refund_status: dict[int, str] = {}
        self.waiting = {account.pk: None for account in self.accounts}

    @rule(
        target=declarations,
        which=st.integers(0, 1),
        lines=st.lists(st.tuples(cents, rates), min_size=1, max_size=3),
    )
    def file(self, which, lines):
        account = self.accounts[which]
        declaration = declaration_file(
            actor=self.importer,
            program_account=account,
            release_date=timezone.localdate() - datetime.timedelta(days=1),
            port_of_entry="0497",
            vendor="Vendor",
            lines=[line(value, rate) for value, rate in lines],
        )
        self.owed[account.pk] += declaration.total
        return declaration.transaction_number

    @rule(number=declarations, factor=st.sampled_from([D("0"), D("0.5"), D("0.99"), D("1.3")]))
    def correct(self, number, factor):
        declaration = Declaration.objects.get(transaction_number=number)
        before = declaration.total
        current = declaration.versions.filter(status="approved").last()
        lines = [
            line((old.value_for_duty * factor).quantize(D("0.01")), old.duty_rate)
            for old in current.lines.all()
        ]
        try:
            version = declaration_correct(
                actor=self.importer, declaration=declaration, reason_code="clerical", lines=lines
            )
        except FinancialError as error:
            assert error.code == "adjustment_pending"
            return
        declaration.refresh_from_db()
        if version.status == "approved":
            self.owed[declaration.program_account_id] += declaration.total - before
        else:  # an adjustment (no RPP on RM0002): nothing posts until an officer decides
            assert declaration.total == before

    @rule(
        target=payments,
        which=st.integers(0, 1),
        amount=cents,
        method=st.sampled_from(Payment.Method.values),
        chosen=st.lists(declarations, max_size=2, unique=True),
    )
    def pay(self, which, amount, method, chosen):
        account = self.accounts[which]
        self.keys += 1
        key = f"key-{self.keys}"
        mine = list(
            account.declarations.filter(transaction_number__in=chosen).values_list(
                "transaction_number", flat=True
            )
        )
        try:
            payment, created = payment_create(
                actor=self.importer,
                program_account=account,
                amount=amount,
                method=method,
                idempotency_key=key,
                chosen=mine if which == 1 else [],
            )
        except FinancialError as error:  # over the card limit: refused, nothing written
            assert error.code == "credit_card_limit" and method == "credit_card"
            return multiple()
        assert created
        if method in Payment.SETTLE_AT_ONCE:
            assert payment.status == "settled"
            self.owed[account.pk] -= amount
        else:
            assert payment.status == "pending" and payment.posting is None
        return (payment.pk, key)

    @rule(payment=payments)
    def receive(self, payment):
        """The money of a payment arrives; a second word of it changes nothing."""
        before = Payment.objects.get(pk=payment[0])
        try:
            after = payment_received(payment=before)
        except FinancialError as error:
            assert error.code == "payment_returned" and before.status == "returned"
            return
        assert after.status == "settled"
        if before.status == "pending":
            self.owed[before.program_account_id] -= before.amount

    @rule(payment=payments, reason=st.sampled_from(["901", "905", "not_received"]))
    def bounce(self, payment, reason):
        """The bank returns a payment, settled or not; a second return changes nothing."""
        before = Payment.objects.get(pk=payment[0])
        after = payment_return(payment=before, reason=reason)
        assert after.status == "returned"
        if before.status == "settled":
            self.owed[before.program_account_id] += before.amount

    @rule(payment=payments)
    def replay(self, payment):
        pk, key = payment
        first = Payment.objects.get(pk=pk)
        again, created = payment_create(
            actor=self.importer,
            program_account=first.program_account,
            amount=first.amount,
            method=first.method,
            idempotency_key=key,
            chosen=list(first.chosen.values_list("transaction_number", flat=True)),
        )
        assert (again.pk, created) == (pk, False)  # nothing posts

    @rule(which=st.integers(0, 1), extra=st.integers(-300, 300))
    def refund(self, which, extra):
        """Ask for about the credit: a little less, exactly it, or a little more."""
        account = self.accounts[which]
        credit = -self.owed[account.pk]
        amount = max(D("0.01"), credit + D(extra) / 100)
        try:
            refund_issue(officer=self.officer, program_account=account, amount=amount)
        except FinancialError as error:
            assert credit <= 0 or amount > credit, error.code
            return
        assert 0 < amount <= credit  # only from a credit, never more than it
        self.owed[account.pk] += amount

    @rule(target=refund_requests, which=st.integers(0, 1), extra=st.integers(-300, 300))
    def request_refund(self, which, extra):
        """A BAM asks for about the credit: refused for more than it, without one, or while
        another request waits."""
        credit = -self.owed[self.accounts[which].pk]
        return self._ask(which, max(D("0.01"), credit + D(extra) / 100))

    def _ask(self, which, amount: D) -> int | None:
        account = self.accounts[which]
        credit = -self.owed[account.pk]
        self.keys += 1
        try:
            refund, created = refund_request_create(
                actor=self.importer,
                program_account=account,
                amount=amount,
                idempotency_key=f"refund-{self.keys}",
            )
        except FinancialError as error:
            if self.waiting[account.pk] is not None:
                assert error.code == "refund_open"
            else:
                assert credit <= 0 or amount > credit, error.code
            return None
        assert created and self.waiting[account.pk] is None and 0 < amount <= credit
        self.refund_status[refund.pk] = "requested"
        self.waiting[account.pk] = refund.pk
        return refund.pk

    def _refund(self, pk) -> RefundRequest | None:
        return None if pk is None else RefundRequest.objects.get(pk=pk)

    def _closed(self, refund: RefundRequest) -> None:
        if self.waiting[refund.program_account_id] == refund.pk:
            self.waiting[refund.program_account_id] = None

    @rule(pk=refund_requests, times=st.integers(1, 2))
    def approve_refund(self, pk, times):
        refund = self._refund(pk)
        if refund is None:
            return
        expected = self.refund_status[pk]
        for _ in range(times):
            try:
                refund = refund_request_approve(officer=self.officer, refund=refund)
            except FinancialError as error:
                assert error.code == "refund_already_decided"
                assert expected in ("issued", "refused")
                return
            assert expected in ("requested", "approved") and refund.status == "approved"
            self.refund_status[pk] = expected = "approved"

    @rule(pk=refund_requests)
    def refuse_refund(self, pk):
        refund = self._refund(pk)
        if refund is None:
            return
        try:
            refund = refund_request_refuse(officer=self.officer, refund=refund, reason="No.")
        except FinancialError as error:
            assert error.code == "refund_already_decided" and self.refund_status[pk] == "issued"
            return
        assert refund.status == "refused"
        self.refund_status[pk] = "refused"
        self._closed(refund)

    @rule(pk=refund_requests, times=st.integers(1, 2))
    def issue_requested_refund(self, pk, times):
        """Issue an approved refund, checking the credit again; issuing twice posts once."""
        refund = self._refund(pk)
        if refund is None:
            return
        account_pk = refund.program_account_id
        for _ in range(times):
            expected, credit = self.refund_status[pk], -self.owed[account_pk]
            postings = Posting.objects.filter(kind="refund").count()
            try:
                refund = refund_request_issue(officer=self.officer, refund=refund)
            except FinancialError as error:
                if expected == "requested":
                    assert error.code == "refund_not_approved"
                elif expected == "refused":
                    assert error.code == "refund_already_decided"
                else:  # approved, but the credit no longer covers it
                    assert expected == "approved" and refund.amount > credit, error.code
                assert Posting.objects.filter(kind="refund").count() == postings
                return
            assert refund.status == "issued"
            if expected == "issued":
                assert Posting.objects.filter(kind="refund").count() == postings
                continue
            assert expected == "approved" and 0 < refund.amount <= credit
            assert Posting.objects.filter(kind="refund").count() == postings + 1
            # The credit pays the refund whole: nothing is paid out that was not owed.
            paid = Allocation.objects.filter(debit=refund.posting_id).aggregate(t=Sum("amount"))
            assert paid["t"] == refund.amount
            self.owed[account_pk] += refund.amount
            self.refund_status[pk] = "issued"
            self._closed(refund)

    @rule(which=st.integers(0, 1), extra=st.integers(1, 10_000), part=st.integers(0, 100))
    def refund_all_the_way(self, which, extra, part):
        """Leave a credit, ask for part of it, approve and issue: the whole way in one step
        (the rules above take it a step at a time, in any order)."""
        account = self.accounts[which]
        if self.waiting[account.pk] is None:
            self.overpay(which, extra)
        credit = -self.owed[account.pk]
        pk = self._ask(which, max(D("0.01"), (credit * part / 100).quantize(D("0.01"))))
        self.approve_refund(pk, 1)
        self.issue_requested_refund(pk, 2)

    @invariant()
    def refund_requests_as_the_model_has_them(self):
        rows = RefundRequest.objects.filter(pk__in=list(self.refund_status))
        assert {row.pk: row.status for row in rows} == self.refund_status
        for row in rows:
            assert (row.posting_id is not None) == (row.status == "issued")
            if row.posting_id:
                assert row.posting.kind == "refund" and row.posting.amount == row.amount
        for account in self.accounts:
            waiting = RefundRequest.objects.filter(
                program_account=account, status__in=RefundRequest.OPEN
            ).values_list("pk", flat=True)
            assert list(waiting) == ([self.waiting[account.pk]] if self.waiting[account.pk] else [])

    @rule(which=st.integers(0, 1), extra=st.integers(1, 10_000))
    def overpay(self, which, extra):
        """Pay off the account and a little more, leaving a credit."""
        account = self.accounts[which]
        self.pay_exactly(account, max(self.owed[account.pk], D("0")) + D(extra) / 100)

    def pay_exactly(self, account, amount: D) -> None:
        self.keys += 1
        payment_create(
            actor=self.importer,
            program_account=account,
            amount=amount,
            method="debit_card",
            idempotency_key=f"key-{self.keys}",
        )
        self.owed[account.pk] -= amount

    @rule(
        target=invoices,
        which=st.integers(0, 1),
        amount=cents,
        kind=st.sampled_from(Invoice.Kind.values),
    )
    def issue_invoice(self, which, amount, kind):
        account = self.accounts[which]
        invoice = invoice_issue(
            officer=self.officer,
            program_account=account,
            kind=kind,
            amount=amount,
            due_date=timezone.localdate() + datetime.timedelta(days=30),
            reference=f"AMP-{next(REFERENCES)}",  # examples share one database
        )
        self.owed[account.pk] += amount
        return invoice.pk

    @rule(pk=invoices)
    def cancel_invoice(self, pk):
        """Cancel an invoice; one already cancelled is refused and posts nothing."""
        invoice = Invoice.objects.get(pk=pk)
        try:
            invoice_cancel(officer=self.officer, invoice=invoice, reason="Issued in error.")
        except FinancialError as error:
            assert error.code == "invoice_already_cancelled"
            assert invoice.is_cancelled
            return
        assert not invoice.is_cancelled
        self.owed[invoice.program_account_id] -= invoice.amount

    @invariant()
    def invoices_cancelled_once_and_paid_oldest_debt_first(self):
        assert Posting.objects.filter(kind="invoice_cancellation").count() == (
            Invoice.objects.filter(cancelled_at__isnull=False).count()
        )
        for account in self.accounts[:1]:  # RM0002 lets payers choose
            # The rule, worked out here apart from the SQL: a cancelled invoice and its
            # reversal settle each other, as do a returned payment and its reversal; every
            # other credit goes to the oldest debits.
            settled = set()
            for charge, reversal in Invoice.objects.filter(
                program_account=account, cancelled_at__isnull=False
            ).values_list("posting_id", "cancellation_posting_id"):
                settled |= {charge, reversal}
            for credit, reversal in Payment.objects.filter(
                program_account=account, return_posting__isnull=False
            ).values_list("posting_id", "return_posting_id"):
                settled |= {credit, reversal}
            postings = [
                p
                for p in Posting.objects.filter(program_account=account).order_by("posted_at", "id")
                if p.pk not in settled
            ]
            credit = -sum((p.amount for p in postings if p.amount < 0), D("0"))
            paid, owed_until = set(), D("0")
            for posting in (p for p in postings if p.amount > 0):
                owed_until += posting.amount
                if owed_until <= credit:
                    paid.add(posting.pk)
            # The allocation rows say the same: the debts they pay in full are those.
            into = dict(
                Allocation.objects.filter(program_account=account)
                .values("debit")
                .annotate(total=Sum("amount"))
                .values_list("debit", "total")
            )
            assert {
                p.pk for p in postings if p.amount > 0 and into.get(p.pk, D("0")) == p.amount
            } == paid
            for invoice in with_invoice_status(
                Invoice.objects.filter(program_account=account), timezone.localdate()
            ):
                if invoice.is_cancelled:
                    assert invoice.status == "cancelled"
                else:
                    assert (invoice.status == "paid") == (invoice.posting_id in paid)

    @invariant()
    def allocations_within_both_sides(self):
        postings = {p.pk: p for p in Posting.objects.all()}
        pairs, out, into = {}, {}, {}
        for row in Allocation.objects.all():
            credit, debit = postings[row.credit_id], postings[row.debit_id]
            assert credit.amount < 0 < debit.amount
            assert credit.program_account_id == debit.program_account_id == row.program_account_id
            key = (row.credit_id, row.debit_id)
            pairs[key] = pairs.get(key, D(0)) + row.amount
            out[row.credit_id] = out.get(row.credit_id, D(0)) + row.amount
            into[row.debit_id] = into.get(row.debit_id, D(0)) + row.amount
        assert all(amount >= 0 for amount in pairs.values())
        for pk, posting in postings.items():
            if posting.amount < 0:
                assert 0 <= out.get(pk, D(0)) <= -posting.amount  # never more than paid in
            else:
                assert 0 <= into.get(pk, D(0)) <= posting.amount  # never over-paid
        for account in self.accounts:
            mine = [p for p in postings.values() if p.program_account_id == account.pk]
            open_credit = sum(-p.amount - out.get(p.pk, D(0)) for p in mine if p.amount < 0)
            open_debt = sum(p.amount - into.get(p.pk, D(0)) for p in mine if p.amount > 0)
            assert open_credit == 0 or open_debt == 0
            assert open_debt - open_credit == self.owed[account.pk]
        for payment in Payment.objects.all():
            assert (payment.posting_id is None) == (
                payment.status == "pending"
                or (payment.return_posting_id is None and payment.status == "returned")
            )
            if payment.return_posting_id:
                # Its credit pays its own reversal and nothing else.
                assert {
                    debit: amount
                    for (credit, debit), amount in pairs.items()
                    if credit == payment.posting_id and amount
                } == {payment.return_posting_id: payment.amount}

    @invariant()
    def balances_equal_the_ledger_and_the_model(self):
        for account in self.accounts:
            total = Posting.objects.filter(program_account=account).aggregate(t=Sum("amount"))
            assert account_balance(account) == (total["t"] or D("0.00")) == self.owed[account.pk]
        assert ledger_mismatches() == []

    @invariant()
    def nothing_negative_where_it_must_not_be(self):
        assert not Declaration.objects.filter(total__lt=0).exists()
        assert not Posting.objects.filter(
            kind__in=["charge", "refund", "invoice", "payment_return"], amount__lte=0
        ).exists()
        assert not Posting.objects.filter(
            kind__in=["payment", "invoice_cancellation"], amount__gte=0
        ).exists()


@pytest.mark.django_db
def test_the_ledger_keeps_every_cent():
    run_state_machine_as_test(
        LedgerMachine, settings=settings(max_examples=20, stateful_step_count=25, deadline=None)
    )
