"""The home page: each program account's balance and what it owes on the next due date."""

from decimal import Decimal as D

from django.urls import reverse
from django.utils import timezone, translation

from carm.formats import day, money
from financial.calendar import next_payment_due
from financial.services import posting_create
from tests.factories import statement_due_next as due_next

NBSP = "\u00a0"


def statement_due_next(account, total: str):
    return due_next(account, charges=D(total))


def owe(account, amount: str) -> None:
    posting_create(program_account=account, kind="charge", amount=D(amount), duty=D(amount))


def cells(page: str, account) -> str:
    """The row of one account on the page."""
    row = page.split(f"{account.display_number}</a></th>", 1)[1]
    return row.split("</tr>", 1)[0]


def test_the_amount_due_on_the_next_due_date_beside_each_balance(
    client_for, importer_bam, rm1, rm2
):
    statement_due_next(rm1, "12500.00")
    owe(rm1, "12500.00")
    owe(rm1, "300.00")  # charged since the statement: owed, not yet due
    page = client_for(importer_bam).get(reverse("home")).content.decode()
    due = next_payment_due(timezone.localdate())
    assert f"Amount due on {day(due)}" in page
    assert '<td class="carm-num">$12,500.00</td>' in cells(page, rm1)
    assert "$12,800.00" in cells(page, rm1)  # the balance
    # RM0002 has no statement due: nothing is due on that day.
    assert "Nothing due" in cells(page, rm2)


def test_a_payment_since_the_statement_lowers_what_is_due(client_for, importer_bam, rm1):
    statement_due_next(rm1, "12500.00")
    owe(rm1, "12500.00")
    posting_create(program_account=rm1, kind="payment", amount=D("-10000.00"))
    page = client_for(importer_bam).get(reverse("home")).content.decode()
    assert '<td class="carm-num">$2,500.00</td>' in cells(page, rm1)


def test_an_account_with_a_credit_owes_nothing(client_for, importer_bam, rm1):
    statement_due_next(rm1, "100.00")
    owe(rm1, "100.00")
    posting_create(program_account=rm1, kind="payment", amount=D("-250.00"))
    page = client_for(importer_bam).get(reverse("home")).content.decode()
    assert "Nothing due" in cells(page, rm1)
    assert "-$150.00" in cells(page, rm1)


def test_in_french(client_for, importer_bam, rm1, rm2):
    statement_due_next(rm1, "1761.54")
    owe(rm1, "1761.54")
    page = client_for(importer_bam).get("/fr/").content.decode()
    due = next_payment_due(timezone.localdate())
    with translation.override("fr"):
        assert f"Montant dû le {day(due)}" in page
        assert money(D("1761.54")) == f"1{NBSP}761,54{NBSP}$"
    assert f"1{NBSP}761,54{NBSP}$" in cells(page, rm1)
    assert "Rien à payer" in cells(page, rm2)
