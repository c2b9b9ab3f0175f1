"""The money pages: file, correct, pay, history with filters, keyset pages and CSV."""

import csv
import datetime
import io
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from financial.models import Declaration, Payment, Posting
from financial.selectors import account_balance
from financial.services import payment_create, posting_create
from tests.factories import filed_declaration

pytestmark = pytest.mark.django_db

YESTERDAY = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()


def form_line(index: int, **changes) -> dict:
    line = {
        "hs_code": "8471.30.0000",
        "description": "Laptops",
        "quantity": "10",
        "value_for_duty": "1000.00",
        "duty_rate": "6.5",
        "gst_rate": "5",
    }
    line.update(changes)
    return {f"lines-{index}-{key}": value for key, value in line.items()}


def declaration_post(*lines: dict, **header) -> dict:
    data = {
        "release_date": YESTERDAY,
        "port_of_entry": "0497",
        "vendor": "Acme Electronics GmbH",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "200",
    }
    for line in lines:
        data.update(line)
    data.update(header)
    return data


def test_file_a_declaration_on_the_web(client_for, importer_bam, rm1):
    client = client_for(importer_bam)
    url = reverse("declaration_new", args=[rm1.bn15])
    response = client.post(
        url, declaration_post(form_line(0), form_line(1, duty_rate="18", value_for_duty="123.45"))
    )
    declaration = Declaration.objects.get()
    assert response["Location"] == reverse("declaration", args=[declaration.transaction_number])
    assert declaration.total == D("147.75")
    page = client.get(response["Location"]).content.decode()
    assert "Payment required before release" in page  # RM0001 is not on RPP here
    assert account_balance(rm1) == D("147.75")


def test_add_a_line_keeps_what_was_typed(client_for, importer_bam, rm1):
    response = client_for(importer_bam).post(
        reverse("declaration_new", args=[rm1.bn15]),
        {**declaration_post(form_line(0)), "add_line": "1"},
    )
    body = response.content.decode()
    assert 'name="lines-1-hs_code"' in body
    assert 'value="Acme Electronics GmbH"' in body and 'value="8471.30.0000"' in body
    assert not Declaration.objects.exists()


@pytest.mark.parametrize(
    ("language", "line", "message"),
    [
        ("en", {"hs_code": "84713"}, "10 digits, for example 8471.30.0000."),
        ("fr", {"hs_code": "84713"}, "10 chiffres, par exemple 8471.30.0000."),
        ("en", {"duty_rate": "650"}, "less than or equal to 100"),
        ("en", {"value_for_duty": "-5"}, "greater than or equal to 0"),
    ],
)
def test_bad_lines_are_explained_and_nothing_is_filed(
    client_for, importer_bam, rm1, language, line, message
):
    response = client_for(importer_bam).post(
        f"/{language}/program-accounts/{rm1.bn15}/declarations/new/",
        declaration_post(form_line(0, **line)),
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Declaration.objects.exists() and not Posting.objects.exists()


def test_a_future_release_date_is_refused(client_for, importer_bam, rm1):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client_for(importer_bam).post(
        reverse("declaration_new", args=[rm1.bn15]),
        declaration_post(form_line(0), release_date=tomorrow),
    )
    assert "The release date cannot be in the future." in response.content.decode()
    assert not Declaration.objects.exists()


def test_correct_on_the_web_posts_the_difference(client_for, importer_bam, officer, rm1):
    client = client_for(importer_bam)
    client.post(reverse("declaration_new", args=[rm1.bn15]), declaration_post(form_line(0)))
    declaration = Declaration.objects.get()
    url = reverse("declaration_correct", args=[declaration.transaction_number])
    assert 'value="6.5"' in client.get(url).content.decode()  # the current version, in percent
    data = declaration_post(form_line(0, value_for_duty="800.00"), reason_code="valuation")
    client.post(url, data)
    version = declaration.versions.get(number=2)
    assert (version.kind, version.status) == ("adjustment", "pending")  # not on RPP


def test_a_double_submitted_payment_pays_once(client_for, importer_bam, rm1):
    client = client_for(importer_bam)
    page = client.get(reverse("pay", args=[rm1.bn15]))
    key = page.context["form"].initial["idempotency_key"]
    data = {"amount": "250.00", "method": "debit_card", "idempotency_key": key}
    client.post(reverse("pay", args=[rm1.bn15]), data)
    client.post(reverse("pay", args=[rm1.bn15]), data)
    assert Payment.objects.count() == 1 and account_balance(rm1) == D("-250.00")


def test_the_credit_card_limit_is_explained(client_for, importer_bam, rm1):
    response = client_for(importer_bam).post(
        reverse("pay", args=[rm1.bn15]),
        {"amount": "5000.00", "method": "credit_card", "idempotency_key": "k"},
    )
    assert "limited to $4,999.99 per billing period" in response.content.decode()
    assert 'value="5000.00"' in response.content.decode()
    assert not Payment.objects.exists()


def _declare(user, account, value="100.00"):
    """Typed by a filer: what a spreadsheet would run as a formula."""
    return filed_declaration(
        user,
        account,
        value=value,
        description='=HYPERLINK("http://evil")',
        vendor="=cmd|' /C calc'!A0",
    )


def test_history_filters_and_csv_escaping(client_for, importer_bam, rm1):
    declaration = _declare(importer_bam, rm1)
    payment_create(
        actor=importer_bam,
        program_account=rm1,
        amount=D("10.00"),
        method="debit_card",
        idempotency_key="p",
    )
    client = client_for(importer_bam)
    url = reverse("transactions", args=[rm1.bn15])
    body = client.get(url + "?kind=payment").content.decode()
    assert "Debit card" in body and declaration.transaction_number not in body
    body = client.get(
        url + f"?transaction_number={declaration.transaction_number}"
    ).content.decode()
    assert declaration.transaction_number in body and "Debit card" not in body
    assert (
        "A transaction number has 14 digits."
        in client.get(url + "?transaction_number=12").content.decode()
    )
    response = client.get(url + "?format=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:5] == ["posted_at", "kind", "transaction_number", "description", "amount"]
    charge = next(row for row in rows if row[1] == "charge")
    assert charge[3].startswith("'=cmd")  # a formula becomes text
    assert charge[4] == "10.25"
    payment = next(row for row in rows if row[1] == "payment")
    assert payment[4] == "-10.00"  # numbers stay numbers


def test_history_rows_link_their_day_and_declaration_and_escape_what_people_typed(
    client_for, importer_bam, rm1
):
    declaration = _declare(importer_bam, rm1)
    # 02:30 UTC on July 1 is still June 30 in Eastern time: the row's day and its daily
    # notice are the portal's day.
    late = datetime.datetime(2026, 7, 1, 2, 30, tzinfo=datetime.UTC)
    posting_create(
        program_account=rm1,
        kind="interest",
        amount=D("1234.5"),
        posted_at=late,
        description="<b>Interest</b>",
    )
    client = client_for(importer_bam)
    url = reverse("transactions", args=[rm1.bn15])
    body = client.get(url).content.decode()
    notice = reverse("daily_notice", args=[rm1.bn15, "2026-06-30"])
    assert f'<a href="{notice}">June 30, 2026</a>' in body
    number = declaration.transaction_number
    assert f'<a href="{reverse("declaration", args=[number])}">{number}</a>' in body
    assert "&lt;b&gt;Interest&lt;/b&gt;" in body and "<b>Interest" not in body
    assert '<td class="carm-num">$1,234.50</td>' in body
    french = client.get(url.replace("/en/", "/fr/")).content.decode()
    assert ">30 juin 2026</a>" in french and "1\u00a0234,50\u00a0$" in french


def test_history_keyset_pages_reach_the_end(client_for, importer_bam, rm1):
    moment = timezone.now() - datetime.timedelta(days=3)
    for _ in range(120):
        posting_create(
            program_account=rm1, kind="interest", amount=D("0.01"), posted_at=moment
        )  # same instant
    client = client_for(importer_bam)
    url = reverse("transactions", args=[rm1.bn15])
    seen, query = [], ""
    while True:
        response = client.get(url + ("?" + query if query else ""))
        seen += [posting.pk for posting in response.context["postings"]]
        query = response.context["next_query"]
        if not query:
            break
    assert len(seen) == len(set(seen)) == 120


def test_daily_notice(client_for, importer_bam, rm1):
    declaration = _declare(importer_bam, rm1)
    today = timezone.localdate().isoformat()
    body = (
        client_for(importer_bam)
        .get(reverse("daily_notice", args=[rm1.bn15, today]))
        .content.decode()
    )
    assert declaration.transaction_number in body and "10.25" in body
    response = client_for(importer_bam).get(reverse("daily_notice", args=[rm1.bn15, "not-a-date"]))
    assert response.status_code == 404


def test_a_broker_without_others_transactions_sees_neither_rows_nor_amounts(
    client_for, importer_bam, broker_bm, rm1
):
    theirs = _declare(importer_bam, rm1, value="1000.00")  # filed by the importer
    mine = _declare(broker_bm, rm1, value="100.00")  # filed by the broker
    payment_create(
        actor=importer_bam,
        program_account=rm1,
        amount=D("7.77"),
        method="wire",
        idempotency_key="x",
    )
    client = client_for(broker_bm)
    url = reverse("transactions", args=[rm1.bn15])
    page = client.get(url).content.decode()
    assert mine.transaction_number in page and theirs.transaction_number not in page
    assert "102.50" not in page and "7.77" not in page
    csv_text = b"".join(client.get(url + "?format=csv").streaming_content).decode()
    assert mine.transaction_number in csv_text and theirs.transaction_number not in csv_text
    assert "102.50" not in csv_text and "-7.77" not in csv_text
    notice = client.get(reverse("daily_notice", args=[rm1.bn15, timezone.localdate().isoformat()]))
    assert notice.context["total"] == D("10.25")  # totals agree with the rows
    assert client.get(reverse("declaration", args=[theirs.transaction_number])).status_code == 404
    api = client.get(f"/api/v1/program-accounts/{rm1.bn15}/transactions/").content.decode()
    assert mine.transaction_number in api and theirs.transaction_number not in api
