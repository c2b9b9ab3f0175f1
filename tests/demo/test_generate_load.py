import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Max, Min, Q, Sum
from django.utils import timezone

from accounts.identifiers import is_valid_bn9, normalize_program_account
from accounts.models import Business, ProgramAccount
from demo.management.commands.generate_load import (
    HEAVY_BN15,
    LIGHT_BN15,
    account_rows,
    load_bn15,
)
from financial.models import AccountBalance, Posting

pytestmark = pytest.mark.django_db


def generate(capsys) -> str:
    call_command("generate_load", accounts=3, months=2, heavy=300)
    return capsys.readouterr().out


def snapshot():
    return (
        list(Posting.objects.order_by("pk").values_list("pk", "amount")),
        list(AccountBalance.objects.order_by("pk").values_list("pk", "balance", "postings")),
    )


def test_load_accounts_heavy_and_light_with_a_balanced_ledger(capsys):
    out = generate(capsys)

    assert "generate_load: 5 accounts and " in out
    bn15s = set(ProgramAccount.objects.values_list("bn15", flat=True))
    assert bn15s == {HEAVY_BN15, LIGHT_BN15, *(load_bn15(slot) for slot in range(3))}
    for bn15 in bn15s:
        assert normalize_program_account(bn15) == bn15
        assert bn15.startswith("9")
    assert all(is_valid_bn9(bn9) for bn9 in Business.objects.values_list("bn9", flat=True))
    counts = dict(
        Posting.objects.values_list("program_account__bn15")
        .annotate(n=Count("id"))
        .values_list("program_account__bn15", "n")
    )
    assert counts.pop(HEAVY_BN15) == 300
    assert counts.pop(LIGHT_BN15) == 100
    # About 100 a year: two months give 8 to 25 postings an account.
    assert all(8 <= n <= 25 for n in counts.values()), counts
    assert ProgramAccount.objects.filter(rpp_status=ProgramAccount.RppStatus.ACTIVE).count() == 3

    call_command("check_ledger")
    assert "every balance equals the sum of its postings" in capsys.readouterr().out
    totals = Posting.objects.aggregate(total=Sum("amount"), n=Count("id"))
    kept = AccountBalance.objects.aggregate(total=Sum("balance"), n=Sum("postings"))
    assert (kept["total"], kept["n"]) == (totals["total"], totals["n"])


def test_postings_are_of_every_kind_and_split_adds_up(capsys):
    generate(capsys)

    kinds = set(Posting.objects.values_list("kind", flat=True))
    assert {"charge", "payment", "correction", "interest"} <= kinds
    split = F("duty") + F("excise_duty") + F("excise_tax") + F("sima") + F("surtax") + F("gst")
    declared = Posting.objects.filter(kind__in=["charge", "correction"])
    assert not declared.filter(~Q(amount=split)).exists()
    assert not Posting.objects.filter(kind="payment", amount__gte=0).exists()
    assert declared.filter(kind="correction", amount__lt=0).exists()
    assert all(
        len(n) == 14 and n.isdigit() for n in declared.values_list("transaction_number", flat=True)
    )
    span = Posting.objects.aggregate(oldest=Min("posted_at"), newest=Max("posted_at"))
    today = timezone.localdate()
    assert timezone.localdate(span["newest"]) < today
    assert timezone.localdate(span["oldest"]) >= today - datetime.timedelta(days=62)


def test_a_second_run_changes_nothing_and_says_so(capsys):
    generate(capsys)
    before = snapshot()

    out = generate(capsys)

    assert "generate_load: 0 accounts and 0 postings created (nothing to do)" in out
    assert snapshot() == before


def test_the_same_seed_gives_the_same_postings():
    start = datetime.datetime(2026, 1, 1, 5, tzinfo=datetime.UTC)
    end = datetime.datetime(2026, 3, 1, 5, tzinfo=datetime.UTC)
    first = account_rows(seed=7, slot=12, count=200, start=start, end=end)
    assert first == account_rows(seed=7, slot=12, count=200, start=start, end=end)
    assert first != account_rows(seed=8, slot=12, count=200, start=start, end=end)
    assert all(isinstance(row.amount, Decimal) and row.amount for row in first)
    assert all(start <= row.posted_at < end for row in first)
