"""Pre-authorized debits: an agreement signed with the account number encrypted, each
statement debited on its due date through a CPA Standard 005 file read back record by
record, and a bank's returns file bouncing a debit once."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from carm import crypto
from financial import cpa005
from financial.calendar import EASTERN
from financial.models import Payment, Posting, Statement
from financial.selectors import account_balance
from financial.services import posting_create
from financial.statements import statements_issue
from notifications.models import Notification
from payments.errors import PadError
from payments.models import PadAgreement, PadDebit, PadReturnFile
from payments.services import (
    pad_agreement_cancel,
    pad_agreement_sign,
    pad_returns_import,
    pad_run,
)

pytestmark = pytest.mark.django_db

OCT_17 = datetime.date(2026, 10, 17)
BANK = {
    "institution": "003",
    "transit": "12345",
    "account_number": "987654321",
    "holder_name": "Maple Imports Inc.",
    "accept_terms": True,
}


def at(day: str, hour: int = 12) -> datetime.datetime:
    return datetime.datetime.combine(
        datetime.date.fromisoformat(day), datetime.time(hour), tzinfo=EASTERN
    )


def charge(account, amount: str, day: str) -> Posting:
    return posting_create(
        program_account=account,
        kind="charge",
        amount=D(amount),
        gst=D(amount),
        posted_at=at(day),
    )


def sign(actor, account, **changes) -> PadAgreement:
    return pad_agreement_sign(actor=actor, program_account=account, **{**BANK, **changes})


@pytest.fixture
def statement(rm1):
    """$1,250 owed on the statement of the period ending October 17."""
    charge(rm1, "1000.00", "2026-09-20")
    charge(rm1, "250.00", "2026-10-17")
    statements_issue(period_end=OCT_17)
    return Statement.objects.get(program_account=rm1)


def returns_for(*debits: tuple[PadDebit, str], amount: D | None = None) -> str:
    """The bank's returns file for `debits` (each with its reason code), written from the
    day's debit file as the bank would."""
    sent = cpa005.read_debit_file(debits[0][0].run.content)
    by_reference = {debit.cross_reference: debit for debit in sent.debits}
    returned = []
    for debit, reason in debits:
        original = by_reference[debit.cross_reference]
        if amount is not None:
            original = cpa005.Debit(**{**original.__dict__, "amount": amount})
        returned.append(cpa005.ReturnedDebit(debit=original, reason_code=reason))
    return cpa005.write_returns_file(sent.header, returned)


# --- Agreements ----------------------------------------------------------------------------


def test_the_account_number_is_stored_encrypted_and_shown_by_its_last_digits(importer_bam, rm1):
    agreement = sign(importer_bam, rm1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM payments_padagreement WHERE id = %s", [agreement.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
    assert "987654321" not in row
    assert crypto.decrypt(agreement.account_encrypted) == "987654321"
    assert agreement.last_digits == "4321"
    assert agreement.masked_account == "•••• 4321"
    assert agreement.terms_version == PadAgreement.TERMS_VERSION
    told = Notification.objects.get(recipient=importer_bam, kind="pad_agreement")
    assert "4321" in told.body and "active" in told.body


def test_a_new_agreement_replaces_the_one_in_force(importer_bam, rm1):
    first = sign(importer_bam, rm1)
    second = sign(importer_bam, rm1, account_number="11112222")
    first.refresh_from_db()
    assert first.cancelled_at == second.signed_at
    assert list(PadAgreement.objects.filter(cancelled_at__isnull=True)) == [second]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"institution": "03"}, "institution"),
        ({"transit": "1234a"}, "transit"),
        ({"account_number": "1234"}, "account_number"),
        ({"account_number": "12345678901234"}, "account_number"),
        ({"holder_name": "   "}, "holder_name"),
        ({"accept_terms": False}, "terms"),
    ],
)
def test_a_wrong_bank_number_or_unaccepted_terms_signs_nothing(importer_bam, rm1, changes, code):
    with pytest.raises(PadError) as refused:
        sign(importer_bam, rm1, **changes)
    assert refused.value.code == code
    assert not PadAgreement.objects.exists()


@pytest.mark.parametrize("persona", ["pam", "editor", "broker_bm", "broker_pm", "outsider"])
def test_only_the_business_account_manager_signs(request, rm1, persona):
    with pytest.raises(PadError) as refused:
        sign(request.getfixturevalue(persona), rm1)
    assert refused.value.code == "not_allowed"
    assert not PadAgreement.objects.exists()


def test_a_cancelled_agreement_cannot_be_cancelled_again(importer_bam, rm1):
    agreement = pad_agreement_cancel(actor=importer_bam, agreement=sign(importer_bam, rm1))
    assert agreement.cancelled_by == importer_bam
    with pytest.raises(PadError, match="already"):
        pad_agreement_cancel(actor=importer_bam, agreement=agreement)


# --- The day's run -------------------------------------------------------------------------


def test_a_statement_is_debited_on_its_due_date_in_a_standard_005_file(
    importer_bam, rm1, statement
):
    sign(importer_bam, rm1)
    run, created = pad_run(day=statement.due_date, at=at(statement.due_date.isoformat(), 6))
    assert created and run.debit_count == 1 and run.total == D("1250.00")
    payment = Payment.objects.get()
    assert (payment.method, payment.status, payment.amount) == ("pad", "settled", D("1250.00"))
    assert account_balance(rm1) == D("0.00")
    debit = PadDebit.objects.get()
    assert (debit.statement, debit.payment, debit.run) == (statement, payment, run)
    # The file read back, record by record.
    parsed = cpa005.read_debit_file(run.content)
    assert parsed.header.file_creation_number == run.file_creation_number == 1
    assert parsed.header.creation_date == statement.due_date
    assert (parsed.debit_count, parsed.debit_total) == (1, D("1250.00"))
    (sent,) = parsed.debits
    assert (sent.institution, sent.transit, sent.account) == ("003", "12345", "987654321")
    assert (sent.amount, sent.due_date) == (D("1250.00"), statement.due_date)
    assert sent.cross_reference == debit.cross_reference
    assert sent.payor_name == "MAPLE IMPORTS INC."
    assert sent.sundry == rm1.bn15
    assert run.file_name.endswith("-0001.txt")


def test_a_day_run_twice_debits_once(importer_bam, rm1, statement):
    sign(importer_bam, rm1)
    first, _ = pad_run(day=statement.due_date)
    again, created = pad_run(day=statement.due_date)
    assert (again, created) == (first, False)
    assert Payment.objects.count() == PadDebit.objects.count() == 1


def test_the_command_and_the_task_run_a_day_once(importer_bam, rm1, statement, capsys):
    sign(importer_bam, rm1)
    call_command("pad_run", "--date", statement.due_date.isoformat())
    call_command("pad_run", "--date", statement.due_date.isoformat())
    out = capsys.readouterr().out
    assert "1 debits, $1,250.00" in out and "already run (1 debits)" in out
    with pytest.raises(CommandError):
        call_command("pad_run", "--date", "31/10/2026")


def test_only_what_is_still_owed_is_debited(importer_bam, rm1, statement):
    sign(importer_bam, rm1)
    posting_create(program_account=rm1, kind="payment", amount=D("-1000.00"))
    run, _ = pad_run(day=statement.due_date)
    assert run.total == D("250.00")
    assert account_balance(rm1) == D("0.00")


def test_nothing_is_debited_when_nothing_is_owed_or_no_agreement_is_in_force(
    importer_bam, rm1, rm2, statement
):
    charge(rm2, "80.00", "2026-10-01")
    statements_issue(period_end=OCT_17)  # rm2's statement, with no agreement
    pad_agreement_cancel(actor=importer_bam, agreement=sign(importer_bam, rm1))
    run, _ = pad_run(day=statement.due_date)
    assert (run.debit_count, run.content) == (0, "")
    assert not Payment.objects.exists()


def test_file_numbers_follow_each_other_across_days(importer_bam, rm1, rm2, statement):
    sign(importer_bam, rm1)
    first, _ = pad_run(day=statement.due_date)
    charge(rm1, "40.00", "2026-11-01")
    statements_issue(period_end=datetime.date(2026, 11, 17))
    later = Statement.objects.get(program_account=rm1, period_end=datetime.date(2026, 11, 17))
    second, _ = pad_run(day=later.due_date)
    assert (first.file_creation_number, second.file_creation_number) == (1, 2)
    assert cpa005.read_debit_file(second.content).debits[0].amount == D("40.00")


# --- Returns -------------------------------------------------------------------------------


@pytest.fixture
def debited(importer_bam, rm1, statement):
    sign(importer_bam, rm1)
    pad_run(day=statement.due_date, at=at(statement.due_date.isoformat(), 6))
    return PadDebit.objects.select_related("run", "payment").get()


def test_a_returned_debit_is_reversed_and_the_importer_told_why(importer_bam, rm1, debited):
    record, created = pad_returns_import(text=returns_for((debited, "901")), name="r1.txt")
    assert created and record.returned_count == 1
    payment = Payment.objects.get()
    assert (payment.status, payment.return_reason) == ("returned", "901")
    assert payment.return_posting.amount == D("1250.00")
    assert account_balance(rm1) == D("1250.00")  # owed again
    told = Notification.objects.get(recipient=importer_bam, kind="payment_returned")
    assert "NSF" in told.body


def test_a_returns_file_imported_twice_returns_once(rm1, debited):
    text = returns_for((debited, "905"))
    pad_returns_import(text=text, name="r1.txt")
    record, created = pad_returns_import(text=text, name="r1-again.txt")
    assert not created and record.name == "r1.txt"
    assert Posting.objects.filter(kind="payment_return").count() == 1
    assert account_balance(rm1) == D("1250.00")


def test_a_file_naming_an_unknown_debit_or_another_amount_changes_nothing(rm1, debited):
    with pytest.raises(PadError) as refused:
        pad_returns_import(text=returns_for((debited, "901"), amount=D("1.00")), name="x")
    assert refused.value.code == "amount_mismatch"
    sent = cpa005.read_debit_file(debited.run.content)
    stranger = cpa005.Debit(**{**sent.debits[0].__dict__, "cross_reference": "NOT-OURS"})
    text = cpa005.write_returns_file(
        sent.header, [cpa005.ReturnedDebit(debit=stranger, reason_code="901")]
    )
    with pytest.raises(PadError) as refused:
        pad_returns_import(text=text, name="y")
    assert refused.value.code == "unknown_debits" and "NOT-OURS" in refused.value.message
    with pytest.raises(PadError) as refused:
        pad_returns_import(text="not a file", name="z")
    assert refused.value.code == "returns_file"
    assert Payment.objects.get().status == "settled"
    assert not PadReturnFile.objects.exists()
    assert account_balance(rm1) == D("0.00")


def test_the_import_command(tmp_path, rm1, debited, capsys):
    path = tmp_path / "returns-20261102.txt"
    path.write_bytes(returns_for((debited, "901")).encode("ascii"))
    call_command("import_pad_returns", str(path))
    call_command("import_pad_returns", str(path))
    out = capsys.readouterr().out
    assert "returns-20261102.txt: 1 debits returned." in out
    assert "already imported" in out
    path.write_text("garbage", encoding="ascii")
    with pytest.raises(CommandError, match="not a CPA Standard 005 returns file"):
        call_command("import_pad_returns", str(path))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_pad_returns", str(tmp_path / "missing.txt"))
