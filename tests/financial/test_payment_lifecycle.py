"""A payment's life: pending until the money arrives, settled and applied to debts, or
returned with the bank's reason; what each credit paid, in append-only allocation rows;
the officers' admin actions."""

import datetime
from decimal import Decimal as D

import pytest
from django.db.models import Sum
from django.urls import reverse

from accounts.models import ProgramAccount
from financial.calendar import EASTERN
from financial.errors import FinancialError
from financial.models import Allocation, Declaration, Payment, Posting
from financial.selectors import account_balance
from financial.services import (
    declaration_file,
    payment_create,
    payment_received,
    payment_return,
    payment_return_by_officer,
    payment_settle,
    posting_create,
)
from notifications.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LINE = {
    "hs_code": "8471300000",
    "description": "Laptops",
    "quantity": D("1"),
    "value_for_duty": D("1000.00"),
    "duty_rate": D("0"),
}


def at(day: int) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, 12, tzinfo=EASTERN)


def charge(account, amount: str, day: int) -> Posting:
    return posting_create(
        program_account=account, kind="charge", amount=D(amount), gst=D(amount), posted_at=at(day)
    )


def pay(actor, account, amount: str, method: str = "online_banking", key: str = "k", **extra):
    payment, _created = payment_create(
        actor=actor,
        program_account=account,
        amount=D(amount),
        method=method,
        idempotency_key=key,
        at=at(10),
        **extra,
    )
    return payment


def paid_to(credit: Posting) -> dict[int, D]:
    """Each debit's net allocation from `credit`."""
    rows = (
        Allocation.objects.filter(credit=credit)
        .values("debit")
        .annotate(total=Sum("amount"))
        .filter(total__gt=0)
    )
    return {row["debit"]: row["total"] for row in rows}


def test_online_banking_stays_pending_and_out_of_the_balance(importer_bam, rm1):
    charge(rm1, "100.00", 1)
    payment = pay(importer_bam, rm1, "60.00")
    assert (payment.status, payment.posting, payment.settled_at) == ("pending", None, None)
    assert account_balance(rm1) == D("100.00")
    assert not Notification.objects.filter(kind="payment_received").exists()


def test_a_card_settles_at_once_and_pays_the_oldest_debt(importer_bam, rm1):
    older, newer = charge(rm1, "100.00", 1), charge(rm1, "50.00", 2)
    payment = pay(importer_bam, rm1, "120.00", method="debit_card")
    assert payment.status == "settled" and payment.settled_at == at(10)
    assert paid_to(payment.posting) == {older.pk: D("100.00"), newer.pk: D("20.00")}
    assert account_balance(rm1) == D("30.00")
    assert Notification.objects.filter(recipient=importer_bam, kind="payment_received").exists()


def test_an_officer_marks_it_received_once(importer_bam, rm1, officer):
    debt = charge(rm1, "100.00", 1)
    payment = pay(importer_bam, rm1, "100.00", method="wire")
    payment_settle(officer=officer, payment=payment, at=at(12))
    payment_settle(officer=officer, payment=payment, at=at(13))
    payment.refresh_from_db()
    assert (payment.status, payment.settled_by, payment.settled_at) == ("settled", officer, at(12))
    assert Posting.objects.filter(kind="payment").count() == 1
    assert paid_to(payment.posting) == {debt.pk: D("100.00")}
    assert account_balance(rm1) == D("0.00")


def test_only_an_officer_with_the_permission_marks_it_received(importer_bam, rm1):
    payment = pay(importer_bam, rm1, "10.00")
    clerk = UserFactory(is_staff=True)
    with pytest.raises(FinancialError, match="officer"):
        payment_settle(officer=clerk, payment=payment)
    with pytest.raises(FinancialError):
        payment_settle(officer=importer_bam, payment=payment)
    payment.refresh_from_db()
    assert payment.status == "pending"


def test_a_pending_payment_returned_posts_nothing(importer_bam, rm1):
    charge(rm1, "100.00", 1)
    payment = payment_return(payment=pay(importer_bam, rm1, "100.00"), reason="not_received")
    assert (payment.status, payment.return_reason, payment.return_posting) == (
        "returned",
        "not_received",
        None,
    )
    assert account_balance(rm1) == D("100.00")
    with pytest.raises(FinancialError) as refused:
        payment_received(payment=payment)
    assert refused.value.code == "payment_returned"


def test_a_settled_payment_returned_is_reversed_and_what_it_paid_is_owed_again(importer_bam, rm1):
    debt = charge(rm1, "100.00", 1)
    payment = pay(importer_bam, rm1, "100.00", method="debit_card")
    payment_return(payment=payment, reason="901", at=at(15))
    payment_return(payment=payment, reason="905", at=at(16))  # again: nothing more
    payment.refresh_from_db()
    assert (payment.status, payment.return_reason, payment.returned_at) == (
        "returned",
        "901",
        at(15),
    )
    assert payment.return_posting.kind == "payment_return"
    assert payment.return_posting.amount == D("100.00")
    assert account_balance(rm1) == D("100.00")
    # The credit left the charge (a negative row) and settles its own reversal.
    assert paid_to(payment.posting) == {payment.return_posting.pk: D("100.00")}
    assert Allocation.objects.filter(debit=debt).aggregate(n=Sum("amount"))["n"] == D("0.00")
    told = Notification.objects.get(recipient=importer_bam, kind="payment_returned")
    assert "NSF" in told.body


def test_a_returned_payment_leaves_the_newest_debt_owed_not_the_oldest(importer_bam, rm1):
    """Oldest debt first holds after a return: the later payment that paid the newer debt
    moves to the older one, and what is owed again is the newest debt."""
    older = charge(rm1, "100.00", 1)
    first, _ = payment_create(
        actor=importer_bam,
        program_account=rm1,
        amount=D("100.00"),
        method="debit_card",
        idempotency_key="first",
        at=at(2),
    )
    newer = charge(rm1, "60.00", 5)
    second, _ = payment_create(
        actor=importer_bam,
        program_account=rm1,
        amount=D("60.00"),
        method="debit_card",
        idempotency_key="second",
        at=at(6),
    )
    assert paid_to(second.posting) == {newer.pk: D("60.00")}
    payment_return(payment=first, reason="901", at=at(15))
    assert paid_to(second.posting) == {older.pk: D("60.00")}
    owed = {
        row["debit"]: row["total"]
        for row in Allocation.objects.filter(debit__in=[older, newer])
        .values("debit")
        .annotate(total=Sum("amount"))
    }
    assert owed == {older.pk: D("60.00"), newer.pk: D("0.00")}
    assert account_balance(rm1) == D("100.00")  # 40 left of the older, all 60 of the newer


def test_on_an_account_that_chooses_a_return_keeps_the_other_choices(importer_bam, rm1):
    rm1.payments_applied = ProgramAccount.PaymentsApplied.CHOSEN
    rm1.save()
    older = charge(rm1, "100.00", 1)
    first, _ = payment_create(
        actor=importer_bam,
        program_account=rm1,
        amount=D("100.00"),
        method="debit_card",
        idempotency_key="first",
        at=at(2),
    )
    newer = charge(rm1, "60.00", 5)
    second, _ = payment_create(
        actor=importer_bam,
        program_account=rm1,
        amount=D("60.00"),
        method="debit_card",
        idempotency_key="second",
        at=at(6),
    )
    payment_return(payment=first, reason="901", at=at(15))
    assert paid_to(second.posting) == {newer.pk: D("60.00")}
    assert not paid_to(first.posting).get(older.pk)


def test_a_return_needs_a_reason_for_return(importer_bam, rm1):
    payment = pay(importer_bam, rm1, "10.00")
    with pytest.raises(FinancialError) as refused:
        payment_return(payment=payment, reason="because")
    assert refused.value.code == "return_reason"


def test_a_payer_may_choose_declarations_only_where_the_account_allows_it(importer_bam, rm1):
    filed = declaration_file(
        actor=importer_bam,
        program_account=rm1,
        release_date=datetime.date(2026, 11, 2),
        port_of_entry="0497",
        vendor="Acme",
        lines=[LINE],
        at=at(3),
    )
    with pytest.raises(FinancialError) as refused:
        pay(importer_bam, rm1, "10.00", chosen=[filed.transaction_number])
    assert refused.value.code == "chosen_not_enabled"
    ProgramAccount.objects.filter(pk=rm1.pk).update(payments_applied="chosen")
    rm1.refresh_from_db()
    with pytest.raises(FinancialError) as refused:
        pay(importer_bam, rm1, "10.00", chosen=["12345678901234"])
    assert refused.value.code == "chosen_unknown" and "12345678901234" in refused.value.message
    assert not Payment.objects.exists()


def test_a_payment_pays_the_chosen_declaration_before_older_debt(importer_bam, rm1):
    older = charge(rm1, "500.00", 1)
    ProgramAccount.objects.filter(pk=rm1.pk).update(payments_applied="chosen")
    rm1.refresh_from_db()
    filed = declaration_file(
        actor=importer_bam,
        program_account=rm1,
        release_date=datetime.date(2026, 11, 2),
        port_of_entry="0497",
        vendor="Acme",
        lines=[LINE],
        at=at(3),
    )
    charged = Posting.objects.get(transaction_number=filed.transaction_number, kind="charge")
    payment = pay(
        importer_bam,
        rm1,
        str(charged.amount + D("10.00")),
        method="debit_card",
        chosen=[filed.transaction_number],
    )
    assert payment.applied == "chosen"
    assert paid_to(payment.posting) == {charged.pk: charged.amount, older.pk: D("10.00")}
    filed.refresh_from_db()
    assert filed.status == Declaration.Status.PAID


# --- The officers' admin ------------------------------------------------------------------


def test_officers_mark_payments_received_or_not_received_from_the_list(
    client_for, importer_bam, rm1, officer
):
    charge(rm1, "100.00", 1)
    arrived = pay(importer_bam, rm1, "60.00", key="a")
    lost = pay(importer_bam, rm1, "40.00", key="b")
    card = pay(importer_bam, rm1, "1.00", method="debit_card", key="c")
    url = reverse("admin:financial_payment_changelist")
    client = client_for(officer)
    client.post(url, {"action": "mark_received", "_selected_action": [arrived.pk, card.pk]})
    client.post(url, {"action": "mark_not_received", "_selected_action": [lost.pk]})
    for payment in (arrived, lost, card):
        payment.refresh_from_db()
    assert (arrived.status, arrived.settled_by) == ("settled", officer)
    assert (lost.status, lost.return_reason) == ("returned", "not_received")
    assert card.settled_by is None  # settled at once, left as it was
    assert account_balance(rm1) == D("39.00")


def test_staff_without_the_permissions_see_no_such_actions(client_for, importer_bam, rm1):
    payment = pay(importer_bam, rm1, "60.00")
    clerk = UserFactory(is_staff=True)
    from django.contrib.auth.models import Permission

    clerk.user_permissions.add(Permission.objects.get(codename="view_payment"))
    url = reverse("admin:financial_payment_changelist")
    page = client_for(clerk).get(url)
    assert page.status_code == 200
    assert "mark_received" not in page.content.decode()
    client_for(clerk).post(url, {"action": "mark_received", "_selected_action": [payment.pk]})
    payment.refresh_from_db()
    assert payment.status == "pending"
    with pytest.raises(FinancialError):
        payment_return_by_officer(officer=clerk, payment=payment, reason="not_received")
