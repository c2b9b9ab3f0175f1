"""Affinity questions: after the legal name matches, the registrant proves knowledge of the
program account by answering two of three questions, or one if the account's history
allows only one (docs/rules.md §2)."""

import datetime
import uuid
from decimal import Decimal as D

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import escape

from accounts.errors import AccountsError
from accounts.models import AccessEvent, Membership, Role
from accounts.selectors import affinity_quiz_for
from accounts.services.onboarding import (
    DeclarationAnswer,
    PaymentAnswer,
    StatementAnswer,
    business_register,
)
from carm.forms import MoneyField
from financial.models import Statement
from financial.services import declaration_file, payment_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/{language}/setup/register/"
MAPLE = {
    "bn9": "123456782",
    "program_account": "123456782 RM 0001",
    "legal_name": "Maple Leaf Imports Inc.",
}
STEP_TWO = {**MAPLE, "step": "answers"}
MISMATCH = "At least one of your answers does not match CBSA records for this program account."
MISMATCH_FR = (
    "Au moins une de vos réponses ne correspond pas aux dossiers de l'ASFC pour ce compte de "
    "programme."
)
LINE = {
    "hs_code": "8471.30.0000",
    "description": "Laptops",
    "quantity": D("10"),
    "value_for_duty": D("1000.00"),
    "duty_rate": D("0.065"),
}
FREE_LINE = {**LINE, "duty_rate": D("0"), "gst_rate": D("0")}  # relieved goods: $0.00


# --- History, made through the real services ---------------------------------------------


def declare(actor, account, line=LINE):
    return declaration_file(
        actor=actor,
        program_account=account,
        release_date=timezone.localdate() - datetime.timedelta(days=1),
        port_of_entry="0497",
        vendor="Acme Electronics GmbH",
        lines=[line],
    )


def pay(actor, account, amount: str):
    payment, _ = payment_create(
        actor=actor,
        program_account=account,
        amount=D(amount),
        method="debit_card",
        idempotency_key=uuid.uuid4().hex,
    )
    return payment


def statement(account, day: datetime.date, charges: str) -> Statement:
    zero = D("0.00")
    return Statement.objects.create(
        program_account=account,
        period_start=day.replace(month=day.month - 1, day=18),
        period_end=day.replace(day=17),
        statement_date=day,
        due_date=day.replace(day=28),
        previous_balance=zero,
        corrections=zero,
        payments=zero,
        disbursements=zero,
        interest_and_penalties=zero,
        charges=D(charges),
        credits=zero,
        total_payable=D(charges),
        duty=zero,
        excise_duty=zero,
        excise_tax=zero,
        sima=zero,
        surtax=zero,
        gst=D(charges),
        interest=zero,
        penalties=zero,
    )


SOA_DATE = datetime.date(2026, 10, 25)


@pytest.fixture
def history(editor, rm1):
    """RM0001 with one of each: a declaration, a payment and a statement. The editor
    works for Maple, which has no Business Account Manager yet."""
    return {
        "declaration": declare(editor, rm1),  # 118.25
        "payment": pay(editor, rm1, "1234.50"),
        "statement": statement(rm1, SOA_DATE, "512.30"),
    }


def answers_for(history, *, declaration=True, payment=True, statement=False) -> dict:
    """Right answers, as a person types them, for the questions asked for."""
    data = {}
    if declaration:
        data["transaction_number"] = history["declaration"].transaction_number
        data["declaration_total"] = f"{history['declaration'].total:,.2f}"
    if payment:
        data["payment_date"] = timezone.localdate().isoformat()
        data["payment_amount"] = "1,234.50"
    if statement:
        data["statement_date"] = SOA_DATE.isoformat()
        data["statement_balance"] = "512.3"
    return data


def failures(user) -> int:
    return cache.get(f"failures:register:user:{user.pk}") or 0


def assert_nothing_created():
    assert not Membership.objects.filter(role=Role.BAM).exists()
    assert not AccessEvent.objects.exists()


# --- Which questions ------------------------------------------------------------------------


def test_an_account_without_history_registers_on_the_name_alone(client_for, rm1):
    assert affinity_quiz_for(rm1).required == 0
    user = UserFactory()
    response = client_for(user).post(URL.format(language="en"), MAPLE)
    assert response.status_code == 302
    assert Membership.objects.get(user=user).role == Role.BAM


def test_a_matching_name_leads_to_the_questions_not_to_registration(client_for, history, rm1):
    assert affinity_quiz_for(rm1).required > 0
    user = UserFactory()
    response = client_for(user).post(URL.format(language="en"), MAPLE)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Show that you know this program account" in body
    assert "answer at least two of these three questions" in body
    for name in (
        "transaction_number",
        "declaration_total",
        "payment_date",
        "payment_amount",
        "statement_date",
        "statement_balance",
    ):
        assert f'name="{name}"' in body
    # The first step's answers ride along; nothing is refused yet, nothing counted.
    assert '<input type="hidden" name="legal_name" value="Maple Leaf Imports Inc."' in body
    assert "There is a problem" not in body
    assert failures(user) == 0
    assert_nothing_created()


@pytest.mark.parametrize(
    ("kinds", "shown", "hidden"),
    [
        ({"payment"}, ["payment_amount"], ["transaction_number", "statement_balance"]),
        (
            {"declaration", "statement"},
            ["transaction_number", "statement_balance"],
            ["payment_amount"],
        ),
    ],
)
def test_only_the_questions_the_history_allows_are_asked(
    client_for, editor, rm1, kinds, shown, hidden
):
    if "declaration" in kinds:
        declare(editor, rm1)
    if "payment" in kinds:
        pay(editor, rm1, "10.00")
    if "statement" in kinds:
        statement(rm1, SOA_DATE, "10.00")
    body = client_for(UserFactory()).post(URL.format(language="en"), MAPLE).content.decode()
    for name in shown:
        assert f'name="{name}"' in body
    for name in hidden:
        assert f'name="{name}"' not in body


def test_a_zero_balance_statement_is_no_question(client_for, rm1):
    """A $0.00 balance cannot be an answer, so an account whose only history is a $0.00
    statement has nothing to ask about."""
    statement(rm1, SOA_DATE, "0.00")
    assert affinity_quiz_for(rm1).required == 0
    user = UserFactory()
    assert client_for(user).post(URL.format(language="en"), MAPLE).status_code == 302
    assert Membership.objects.get(user=user).role == Role.BAM


# --- Answering ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "chosen",
    [
        {"declaration": True, "payment": True, "statement": False},
        {"declaration": True, "payment": False, "statement": True},
        {"declaration": False, "payment": True, "statement": True},
        {"declaration": True, "payment": True, "statement": True},
    ],
)
def test_two_right_answers_make_the_registrant_bam(client_for, history, maple, chosen):
    user = UserFactory()
    client = client_for(user)
    response = client.post(
        URL.format(language="en"), {**STEP_TWO, **answers_for(history, **chosen)}
    )
    assert response.status_code == 302
    assert Membership.objects.get(user=user, business=maple).role == Role.BAM
    event = AccessEvent.objects.get(business=maple)
    assert (event.actor, event.action) == (user, "registered")
    assert (
        "Maple Leaf Imports Inc. is registered" in client.get(response["Location"]).content.decode()
    )


def test_one_right_and_one_wrong_answer_is_refused_without_saying_which(client_for, history):
    user = UserFactory()
    typed = {**answers_for(history), "payment_amount": "1,234.51"}  # one cent off
    response = client_for(user).post(URL.format(language="en"), {**STEP_TWO, **typed})
    assert response.status_code == 200
    body = response.content.decode()
    assert escape(MISMATCH) in body
    assert "carm-field--error" not in body  # no answer is singled out
    for value in typed.values():  # what was typed is kept
        assert f'value="{escape(value)}"' in body
    assert_nothing_created()
    assert failures(user) == 1


def test_every_answer_must_be_right_even_beyond_two(history, rm1):
    user = UserFactory()
    answers = [
        DeclarationAnswer(
            transaction_number=history["declaration"].transaction_number,
            total=history["declaration"].total,
        ),
        PaymentAnswer(paid_on=timezone.localdate(), amount=D("1234.50")),
        StatementAnswer(statement_date=SOA_DATE, balance=D("999.99")),
    ]
    with pytest.raises(AccountsError) as refused:
        business_register(user=user, **MAPLE, answers=answers)
    assert refused.value.code == "affinity_mismatch"
    assert_nothing_created()


def test_a_transaction_number_of_another_account_is_wrong(client_for, editor, rm1, rm2, maple):
    editor.memberships.get().program_accounts.add(rm2)
    other = declare(editor, rm2)  # Maple's, but on RM0002
    pay(editor, rm1, "50.00")
    declare(editor, rm1)
    user = UserFactory()
    data = {
        **STEP_TWO,
        "transaction_number": other.transaction_number,
        "declaration_total": str(other.total),
        "payment_date": timezone.localdate().isoformat(),
        "payment_amount": "50",
    }
    body = client_for(user).post(URL.format(language="en"), data).content.decode()
    assert escape(MISMATCH) in body
    assert_nothing_created()


def test_with_one_kind_of_data_one_answer_suffices(client_for, editor, maple, rm1):
    pay(editor, rm1, "75.25")
    user = UserFactory()
    client = client_for(user)
    body = client.post(URL.format(language="en"), MAPLE).content.decode()
    assert "answer this question" in body
    response = client.post(
        URL.format(language="en"),
        {**STEP_TWO, "payment_date": timezone.localdate().isoformat(), "payment_amount": "75.25"},
    )
    assert response.status_code == 302
    assert Membership.objects.get(user=user, business=maple).role == Role.BAM


def test_a_zero_total_declaration_is_a_valid_answer(client_for, editor, maple, rm1):
    declaration = declare(editor, rm1, FREE_LINE)
    assert declaration.total == D("0.00")
    user = UserFactory()
    response = client_for(user).post(
        URL.format(language="en"),
        {
            **STEP_TWO,
            "transaction_number": declaration.transaction_number,
            "declaration_total": "0.00",
        },
    )
    assert response.status_code == 302
    assert Membership.objects.get(user=user, business=maple).role == Role.BAM


def test_a_zero_statement_balance_is_not_an_answer(client_for, rm1):
    statement(rm1, SOA_DATE, "512.30")
    zero = statement(rm1, datetime.date(2026, 9, 25), "0.00")
    user = UserFactory()
    response = client_for(user).post(
        URL.format(language="en"),
        {**STEP_TWO, "statement_date": zero.statement_date.isoformat(), "statement_balance": "0"},
    )
    assert response.status_code == 200
    assert "A balance of $0.00 cannot be used." in response.content.decode()
    assert_nothing_created()
    # The service refuses it too, even though such a statement exists.
    with pytest.raises(AccountsError) as refused:
        business_register(
            user=user,
            **MAPLE,
            answers=[StatementAnswer(statement_date=zero.statement_date, balance=D("0.00"))],
        )
    assert refused.value.code == "statement_balance_zero"
    assert_nothing_created()


def test_a_payment_day_is_the_day_in_eastern_time(editor, maple, rm1, time_machine):
    # 23:30 in Toronto on June 15 is already June 16 in UTC.
    time_machine.move_to(datetime.datetime(2026, 6, 16, 3, 30, tzinfo=datetime.UTC), tick=False)
    pay(editor, rm1, "20.00")
    user = UserFactory()
    with pytest.raises(AccountsError):
        business_register(
            user=user,
            **MAPLE,
            answers=[PaymentAnswer(paid_on=datetime.date(2026, 6, 16), amount=D("20.00"))],
        )
    membership = business_register(
        user=user,
        **MAPLE,
        answers=[PaymentAnswer(paid_on=datetime.date(2026, 6, 15), amount=D("20"))],
    )
    assert (membership.business, membership.role) == (maple, Role.BAM)


# --- Filling in the form --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1,234.50", D("1234.50")),
        ("1234.5", D("1234.50")),
        ("$1,234.50", D("1234.50")),
        ("1 234,50", D("1234.50")),  # as French writes it
        ("1\u00a0234,50 $", D("1234.50")),
        ("0", D("0")),
        ("12,5", D("12.50")),
        ("1,000", D("1000")),
        ("-12.00", D("-12")),
    ],
)
def test_amounts_are_read_as_people_type_them(typed, value):
    assert MoneyField().clean(typed) == value


@pytest.mark.parametrize("typed", ["12.345", "1,23,4", "twelve", "1.234,50", "1e3"])
def test_amounts_that_are_not_dollars_and_cents_are_refused(typed):
    with pytest.raises(ValidationError):
        MoneyField().clean(typed)


def test_a_half_answered_question_is_pointed_out_and_not_counted(client_for, history):
    user = UserFactory()
    typed = {**answers_for(history, payment=False), "payment_date": "2026-10-01"}
    response = client_for(user).post(URL.format(language="en"), {**STEP_TWO, **typed})
    body = response.content.decode()
    assert "Fill in this part too, or leave the whole question empty." in body
    assert 'href="#id_payment_amount"' in body  # the error summary leads to the empty part
    assert failures(user) == 0
    assert_nothing_created()


def test_too_few_answers_are_pointed_out_and_not_counted(client_for, history):
    user = UserFactory()
    typed = answers_for(history, payment=False)
    body = client_for(user).post(URL.format(language="en"), {**STEP_TWO, **typed}).content.decode()
    assert "Answer at least two of the questions." in body
    assert failures(user) == 0
    assert_nothing_created()


def test_the_service_asks_for_answers(history):
    with pytest.raises(AccountsError) as refused:
        business_register(user=UserFactory(), **MAPLE)
    assert refused.value.code == "affinity_answer_two"
    assert_nothing_created()


def test_changed_first_step_answers_are_checked_again(client_for, history):
    """The first step's answers come back from the browser: they are checked again."""
    user = UserFactory()
    data = {**STEP_TWO, **answers_for(history), "legal_name": "Maple Leaf Imports"}
    body = client_for(user).post(URL.format(language="en"), data).content.decode()
    assert "The legal name does not match CBSA records" in body
    assert 'name="transaction_number"' not in body  # back on the first step
    assert failures(user) == 1
    assert_nothing_created()


def test_the_business_details_can_be_changed(client_for, history):
    body = (
        client_for(UserFactory())
        .post(URL.format(language="en"), {**STEP_TWO, "change": "1"})
        .content.decode()
    )
    assert 'name="transaction_number"' not in body
    assert 'value="Maple Leaf Imports Inc."' in body
    assert "There is a problem" not in body


# --- Failed attempts ------------------------------------------------------------------------


def test_five_wrong_answers_an_hour_per_user(client_for, history):
    client = client_for(UserFactory())
    wrong = {**STEP_TWO, **answers_for(history), "payment_amount": "1.00"}
    for _ in range(5):
        assert MISMATCH in client.post(URL.format(language="en"), wrong).content.decode()
    right = {**STEP_TWO, **answers_for(history)}
    body = client.post(URL.format(language="en"), right).content.decode()
    assert "Too many failed attempts" in body
    assert_nothing_created()


def test_five_wrong_answers_an_hour_per_business_number(client_for, history):
    wrong = {**STEP_TWO, **answers_for(history), "payment_amount": "1.00"}
    for _ in range(5):
        client_for(UserFactory()).post(URL.format(language="en"), wrong)
    right = {**STEP_TWO, **answers_for(history)}
    body = client_for(UserFactory()).post(URL.format(language="fr"), right).content.decode()
    assert "Trop de tentatives infructueuses" in body
    assert_nothing_created()


# --- In French ------------------------------------------------------------------------------


def test_the_questions_and_the_refusal_in_french(client_for, history):
    client = client_for(UserFactory())
    body = client.post(URL.format(language="fr"), MAPLE).content.decode()
    for words in (
        "Montrez que vous connaissez ce compte de programme",
        "répondez à au moins deux de ces trois questions",
        "Une déclaration",
        "Un paiement",
        "Un relevé de compte",
        "Numéro de transaction",
        "Total à payer sur ce relevé ($ CA)",
        "Modifier les renseignements de l'entreprise",
    ):
        assert words in body, words
    typed = {**answers_for(history), "declaration_total": "1 000,00"}
    body = client.post(URL.format(language="fr"), {**STEP_TWO, **typed}).content.decode()
    assert escape(MISMATCH_FR) in body
    assert 'value="1 000,00"' in body
    assert_nothing_created()


def test_the_english_page_stays_english(client_for, history):
    body = client_for(UserFactory()).post(URL.format(language="en"), MAPLE).content.decode()
    assert "Show that you know this program account" in body
