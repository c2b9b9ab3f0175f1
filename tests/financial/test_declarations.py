"""Filing, correcting and paying declarations (financial/services.py)."""

import datetime
import threading
from decimal import Decimal as D

import pytest
from django.db import connections

from accounts.models import ProgramAccount
from financial.errors import FinancialError
from financial.models import Declaration, DeclarationVersion, Payment, Posting
from financial.selectors import account_balance, ledger_mismatches
from financial.services import (
    adjustment_decide,
    declaration_correct,
    declaration_file,
    payment_create,
)

pytestmark = pytest.mark.django_db

LINE = {
    "hs_code": "8471.30.0000",
    "description": "Laptops",
    "quantity": D("10"),
    "value_for_duty": D("1000.00"),
    "duty_rate": D("0.065"),
}


def file(actor, account, lines=None, **changes):
    data = {
        "actor": actor,
        "program_account": account,
        "release_date": datetime.date.today() - datetime.timedelta(days=1),
        "port_of_entry": "0497",
        "vendor": "Acme Electronics GmbH",
        "lines": lines or [LINE],
    }
    return declaration_file(**{**data, **changes})


def rpp(account, status="active"):
    ProgramAccount.objects.filter(pk=account.pk).update(rpp_status=status)
    account.refresh_from_db()
    return account


def test_filing_computes_amounts_and_posts_the_charge(importer_bam, rm1):
    rpp(rm1)
    declaration = file(
        importer_bam, rm1, [LINE, {**LINE, "value_for_duty": D("123.45"), "duty_rate": D("0.18")}]
    )
    assert len(declaration.transaction_number) == 14 and declaration.transaction_number.isdigit()
    assert declaration.total == D("118.25") + D("29.50")
    assert declaration.status == "accepted"
    assert declaration.filed_by == rm1.business
    line = declaration.versions.get().lines.get(position=1)
    assert (line.hs_code, line.duty, line.gst, line.total) == (
        "8471300000",
        D("65.00"),
        D("53.25"),
        D("118.25"),
    )
    charge = Posting.objects.get(transaction_number=declaration.transaction_number)
    assert (charge.kind, charge.amount, charge.duty, charge.gst) == (
        "charge",
        D("147.75"),
        D("87.22"),
        D("60.53"),
    )
    assert account_balance(rm1) == D("147.75")


def test_a_broker_files_for_the_importer_under_delegation(broker_bm, broker_firm, rm1):
    declaration = file(broker_bm, rm1)
    assert declaration.filed_by == broker_firm
    assert Posting.objects.get().filed_by == broker_firm


@pytest.mark.parametrize(
    "persona", ["reader", "broker_pm", "outsider", "revoked_broker", "lapsed_broker"]
)
def test_who_may_not_file(request, rm1, persona):
    with pytest.raises(FinancialError) as error:
        file(request.getfixturevalue(persona), rm1)
    assert error.value.code == "not_allowed"
    assert not Declaration.objects.exists() and not Posting.objects.exists()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"lines": [{**LINE, "hs_code": "84713"}]}, "hs_code"),
        ({"lines": [{**LINE, "duty_rate": D("6.5")}]}, "line_amounts"),
        ({"lines": [{**LINE, "value_for_duty": D("-1")}]}, "line_amounts"),
        ({"lines": [{**LINE, "quantity": D("0")}]}, "quantity"),
        ({"release_date": datetime.date.today() + datetime.timedelta(days=1)}, "release_in_future"),
        ({"port_of_entry": "497"}, "port_of_entry"),
    ],
)
def test_bad_declarations_change_nothing(importer_bam, rm1, changes, code):
    with pytest.raises(FinancialError) as error:
        file(importer_bam, rm1, **changes)
    assert error.value.code == code
    assert not Declaration.objects.exists() and account_balance(rm1) == D("0.00")


def test_late_filing_is_flagged(importer_bam, rm1):
    assert not file(importer_bam, rm1).late
    assert file(
        importer_bam, rm1, release_date=datetime.date.today() - datetime.timedelta(days=30)
    ).late


def test_without_rpp_payment_is_required_before_release_oldest_first(importer_bam, rm1):
    first = file(importer_bam, rm1)  # 118.25
    second = file(importer_bam, rm1)  # 118.25
    assert first.status == second.status == "payment_required"
    payment_create(
        actor=importer_bam,
        program_account=rm1,
        amount=D("150.00"),
        method="debit_card",
        idempotency_key="a",
    )
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.status, second.status) == ("paid", "payment_required")
    payment_create(
        actor=importer_bam,
        program_account=rm1,
        amount=D("86.50"),
        method="debit_card",
        idempotency_key="b",
    )
    second.refresh_from_db()
    assert second.status == "paid"
    assert account_balance(rm1) == D("0.00")


def test_a_correction_before_the_deadline_posts_only_the_difference(
    importer_bam, rm1, time_machine
):
    rpp(rm1)
    time_machine.move_to(datetime.datetime(2026, 11, 2, 15, 0, tzinfo=datetime.UTC))
    declaration = file(importer_bam, rm1)
    version = declaration_correct(
        actor=importer_bam,
        declaration=declaration,
        reason_code="valuation",
        lines=[{**LINE, "value_for_duty": D("800.00")}],
    )
    assert (version.kind, version.status, version.number) == ("correction", "approved", 2)
    delta = Posting.objects.get(kind="correction")
    assert delta.amount == D("94.60") - D("118.25")  # 52.00 duty + 42.60 GST instead of 118.25
    assert delta.transaction_number == declaration.transaction_number
    assert account_balance(rm1) == D("94.60")
    declaration.refresh_from_db()
    assert declaration.total == D("94.60") and declaration.versions.count() == 2


def test_after_the_deadline_it_is_an_adjustment_an_officer_decides(
    importer_bam, officer, rm1, time_machine
):
    rpp(rm1)
    time_machine.move_to(datetime.datetime(2026, 11, 2, 15, 0, tzinfo=datetime.UTC))
    declaration = file(importer_bam, rm1)
    # Filed in the cycle ending 2026-11-17, due 2026-12-01: corrections until 23:59 ET.
    time_machine.move_to(datetime.datetime(2026, 12, 2, 5, 30, tzinfo=datetime.UTC))  # 00:30 ET
    version = declaration_correct(
        actor=importer_bam,
        declaration=declaration,
        reason_code="clerical",
        lines=[{**LINE, "quantity": D("12")}],
    )
    assert (version.kind, version.status) == ("adjustment", "pending")
    assert Posting.objects.count() == 1
    with pytest.raises(FinancialError, match="adjustment_pending"):
        declaration_correct(
            actor=importer_bam, declaration=declaration, reason_code="clerical", lines=[LINE]
        )
    adjustment_decide(officer=officer, version=version, approve=True)
    assert Posting.objects.count() == 1  # same amounts: nothing to post
    assert DeclarationVersion.objects.get(pk=version.pk).status == "approved"


def test_an_approved_adjustment_posts_its_difference(importer_bam, officer, rm1):
    declaration = file(importer_bam, rm1)  # no RPP: always an adjustment
    version = declaration_correct(
        actor=importer_bam,
        declaration=declaration,
        reason_code="classification",
        lines=[{**LINE, "duty_rate": D("0.08")}],
    )
    assert version.kind == "adjustment" and account_balance(rm1) == D("118.25")
    adjustment_decide(officer=officer, version=version, approve=True)
    assert Posting.objects.get(kind="adjustment").amount == D("15.75")  # 80.00 + 54.00 vs 118.25
    assert account_balance(rm1) == D("134.00")


def test_idempotent_payments(importer_bam, rm1):
    first, created = payment_create(
        actor=importer_bam,
        program_account=rm1,
        amount=D("10.00"),
        method="debit_card",
        idempotency_key="k1",
    )
    again, created_again = payment_create(
        actor=importer_bam,
        program_account=rm1,
        amount=D("10.00"),
        method="debit_card",
        idempotency_key="k1",
    )
    assert created and not created_again and first.pk == again.pk
    with pytest.raises(FinancialError, match="idempotency_conflict"):
        payment_create(
            actor=importer_bam,
            program_account=rm1,
            amount=D("11.00"),
            method="pad",
            idempotency_key="k1",
        )
    assert Posting.objects.count() == 1 and account_balance(rm1) == D("-10.00")


def test_credit_card_limit_per_billing_period(importer_bam, rm1):
    payment_create(
        actor=importer_bam,
        program_account=rm1,
        amount=D("4000.00"),
        method="credit_card",
        idempotency_key="a",
    )
    with pytest.raises(FinancialError) as error:
        payment_create(
            actor=importer_bam,
            program_account=rm1,
            amount=D("1000.00"),
            method="credit_card",
            idempotency_key="b",
        )
    assert "$999.99 remains" in error.value.message
    payment_create(
        actor=importer_bam,
        program_account=rm1,
        amount=D("999.99"),
        method="credit_card",
        idempotency_key="c",
    )
    payment_create(
        actor=importer_bam,
        program_account=rm1,
        amount=D("25000.00"),
        method="debit_card",
        idempotency_key="d",
    )


@pytest.mark.parametrize("amount", [D("0"), D("-5"), D("1.001")])
def test_bad_payment_amounts(importer_bam, rm1, amount):
    with pytest.raises(FinancialError, match="amount"):
        payment_create(
            actor=importer_bam,
            program_account=rm1,
            amount=amount,
            method="wire",
            idempotency_key="x",
        )


def test_a_reader_or_a_reader_broker_cannot_pay(reader, broker_pm, rm1):
    for person in (reader, broker_pm):
        with pytest.raises(FinancialError, match="not_allowed"):
            payment_create(
                actor=person, program_account=rm1, amount=D("5"), method="wire", idempotency_key="x"
            )
    assert not Payment.objects.exists()


def _pay_at_once(user, account, keys):
    barrier = threading.Barrier(len(keys))
    results, errors = [], []

    def pay(key):
        try:
            barrier.wait(timeout=30)
            results.append(
                payment_create(
                    actor=user,
                    program_account=account,
                    amount=D("12.34"),
                    method="debit_card",
                    idempotency_key=key,
                )
            )
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pay, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_payments_with_distinct_keys(importer_bam, rm1):
    results, errors = _pay_at_once(importer_bam, rm1, [f"key-{n}" for n in range(20)])
    assert errors == [] and len(results) == 20
    assert account_balance(rm1) == D("-246.80")
    assert Payment.objects.count() == 20 and ledger_mismatches() == []


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_payments_with_one_key(importer_bam, rm1):
    results, errors = _pay_at_once(importer_bam, rm1, ["same-key"] * 20)
    assert errors == [] and len(results) == 20
    assert sum(created for _, created in results) == 1
    assert len({payment.pk for payment, _ in results}) == 1
    assert Posting.objects.count() == 1 and account_balance(rm1) == D("-12.34")
