"""A stateful property test over the ledger's services: random declarations, corrections,
payments (some replayed with their key), refunds, and invoices an officer issues and
cancels (some twice) on two accounts. After every step each balance equals the sum of its
postings and the model's own count of money; a refund never pays out more than the
credit; declaration totals are never negative; an invoice is cancelled at most once, and
it is paid exactly when the credits reach it, oldest debt first."""

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
    rule,
    run_state_machine_as_test,
)

from accounts.models import ProgramAccount, Role
from accounts.services.officers import officers_group_sync
from financial.errors import FinancialError
from financial.models import Declaration, Invoice, Payment, Posting
from financial.selectors import account_balance, ledger_mismatches, with_invoice_status
from financial.services import (
    declaration_correct,
    declaration_file,
    invoice_cancel,
    invoice_issue,
    payment_create,
    refund_issue,
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

    def __init__(self) -> None:
        super().__init__()
        business = BusinessFactory()
        self.accounts = [
            ProgramAccountFactory(business=business, reference="RM0001"),
            ProgramAccountFactory(
                business=business,
                reference="RM0002",
                rpp_status=ProgramAccount.RppStatus.NOT_ENROLLED,
            ),
        ]
        self.importer = UserFactory()
        member(self.importer, business, Role.BAM)
        self.officer = UserFactory(is_staff=True)
        self.officer.groups.add(officers_group_sync())
        # What the model expects each account to owe, kept apart from the ledger.
        self.owed = {account.pk: D("0.00") for account in self.accounts}
        self.keys = 0

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

    @rule(target=payments, which=st.integers(0, 1), amount=cents)
    def pay(self, which, amount):
        account = self.accounts[which]
        self.keys += 1
        key = f"key-{self.keys}"
        payment, created = payment_create(
            actor=self.importer,
            program_account=account,
            amount=amount,
            method="online_banking",
            idempotency_key=key,
        )
        assert created
        self.owed[account.pk] -= amount
        return (payment.pk, key)

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
            method="wire",
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
        for account in self.accounts:
            # The rule, worked out here apart from the SQL: a cancelled invoice and its
            # reversal settle each other; every other credit goes to the oldest debits.
            settled = set()
            for charge, reversal in Invoice.objects.filter(
                program_account=account, cancelled_at__isnull=False
            ).values_list("posting_id", "cancellation_posting_id"):
                settled |= {charge, reversal}
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
            for invoice in with_invoice_status(
                Invoice.objects.filter(program_account=account), timezone.localdate()
            ):
                if invoice.is_cancelled:
                    assert invoice.status == "cancelled"
                else:
                    assert (invoice.status == "paid") == (invoice.posting_id in paid)

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
            kind__in=["charge", "refund", "invoice"], amount__lte=0
        ).exists()
        assert not Posting.objects.filter(
            kind__in=["payment", "invoice_cancellation"], amount__gte=0
        ).exists()


@pytest.mark.django_db
def test_the_ledger_keeps_every_cent():
    run_state_machine_as_test(
        LedgerMachine, settings=settings(max_examples=20, stateful_step_count=25, deadline=None)
    )
