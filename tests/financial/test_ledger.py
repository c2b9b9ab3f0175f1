"""The append-only ledger and the balance kept beside it."""

import threading
from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, connections, transaction
from django.db.utils import InternalError
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from financial.models import AccountBalance, Posting
from financial.selectors import account_balance, ledger_mismatches
from financial.services import posting_create
from tests.factories import ProgramAccountFactory

pytestmark = pytest.mark.django_db


def charge(account, amount: str) -> Posting:
    value = D(amount)
    return posting_create(program_account=account, kind="charge", amount=value, gst=value)


def test_postings_move_the_balance(rm1):
    charge(rm1, "118.25")
    charge(rm1, "12.50")
    posting_create(program_account=rm1, kind="payment", amount=D("-100.00"))
    assert account_balance(rm1) == D("30.75")
    assert AccountBalance.objects.get(program_account=rm1).postings == 3
    assert ledger_mismatches() == []


def test_a_raw_update_or_delete_of_a_posting_fails(rm1):
    posting = charge(rm1, "10.00")
    for statement in (
        "UPDATE financial_posting SET amount = 1",
        "DELETE FROM financial_posting",
    ):
        with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    posting.refresh_from_db()
    assert posting.amount == D("10.00")


@pytest.mark.parametrize(
    ("kind", "amount", "split"),
    [
        ("payment", "25.00", {}),  # a payment is a credit
        ("charge", "-25.00", {"gst": D("-25.00")}),  # a charge is a debit
        ("charge", "0.00", {}),
        ("charge", "25.00", {"gst": D("20.00")}),  # the split must add up
    ],
)
def test_the_database_refuses_impossible_postings(rm1, kind, amount, split):
    with pytest.raises(IntegrityError), transaction.atomic():
        posting_create(program_account=rm1, kind=kind, amount=D(amount), **split)
    assert account_balance(rm1) == D("0.00")


def test_money_is_never_a_float(rm1):
    with pytest.raises(TypeError):
        posting_create(program_account=rm1, kind="payment", amount=-10.0)


def test_check_ledger_finds_a_tampered_balance(rm1):
    charge(rm1, "50.00")
    call_command("check_ledger")
    AccountBalance.objects.filter(program_account=rm1).update(balance=D("49.99"))
    with pytest.raises(CommandError, match="1 account"):
        call_command("check_ledger")


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_postings_lose_nothing(maple):
    account = ProgramAccountFactory(business=maple, reference="RM0007")
    barrier = threading.Barrier(20)
    errors = []

    def post(amount: D) -> None:
        try:
            barrier.wait(timeout=30)
            posting_create(program_account=account, kind="payment", amount=-amount)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    amounts = [D(f"{n}.{n:02d}") for n in range(1, 21)]
    threads = [threading.Thread(target=post, args=(amount,)) for amount in amounts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert account_balance(account) == -sum(amounts)
    assert Posting.objects.filter(program_account=account).count() == 20
    assert ledger_mismatches() == []


debits = st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2)


class TestBalanceProperty(HypothesisTestCase):
    @settings(max_examples=30, deadline=None)
    @given(
        st.lists(
            st.tuples(st.sampled_from(["charge", "payment", "interest", "offset"]), debits),
            max_size=25,
        )
    )
    def test_the_balance_is_the_sum_of_postings(self, entries):
        account = ProgramAccountFactory()
        total = D("0.00")
        for kind, amount in entries:
            signed = amount if kind in ("charge", "interest") else -amount
            split = {"gst": signed} if kind == "charge" else {}
            posting_create(program_account=account, kind=kind, amount=signed, **split)
            total += signed
        assert account_balance(account) == total
        assert ledger_mismatches() == []
