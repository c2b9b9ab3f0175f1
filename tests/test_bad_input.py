"""What the portal does with input past its limits or crafted to break it (issue 16):
a 400 or a form error that says what is wrong, nothing written, never a 500."""

import json
from decimal import Decimal as D

import pytest
from django.utils import timezone

from carm import forms as carm_forms
from financial import calculation
from financial.models import Declaration, Payment, Posting
from security.models import SuretyBond
from tests.factories import BusinessFactory, UserFactory, invited, member

pytestmark = pytest.mark.django_db

HUGE = "999999999999.99"  # the columns' own maximum: past the portal's stated one


def line(**change):
    return {
        "hs_code": "8471300000",
        "description": "Laptops",
        "quantity": "10",
        "value_for_duty": "1000.00",
        "duty_rate": "0.065",
        **change,
    }


def declaration(*lines):
    return {
        "release_date": str(timezone.localdate()),
        "port_of_entry": "0497",
        "vendor": "Acme",
        "lines": list(lines) or [line()],
    }


def post_json(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def file_api(client, account, body):
    return post_json(client, f"/api/v1/program-accounts/{account.bn15}/declarations/", body)


def pay_api(client, account, amount, key="key-1"):
    return post_json(
        client,
        f"/api/v1/program-accounts/{account.bn15}/payments/",
        {"amount": amount, "method": "wire"},
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_the_forms_and_the_rules_state_one_maximum():
    assert carm_forms.MAX_AMOUNT == calculation.MAX_AMOUNT == D("1000000000.00")
    assert D("999999999999.99") == calculation.LEDGER_MAX


# --- JSON numbers are exact decimals (item 2) ------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "rate", "value", "stored"),
    [
        (10, 0.065, 1000, ("10.000", "0.06500", "1000.00")),
        (10.5, "0.065", 1000.5, ("10.500", "0.06500", "1000.50")),
        ("10.5", 0.065, "1000.50", ("10.500", "0.06500", "1000.50")),
    ],
)
def test_quantities_rates_and_amounts_may_be_json_numbers(
    client_for, importer_bam, rm1, quantity, rate, value, stored
):
    body = declaration(line(quantity=quantity, duty_rate=rate, value_for_duty=value))
    response = file_api(client_for(importer_bam), rm1, body)
    assert response.status_code == 201, response.content
    filed = response.json()["lines"][0]
    assert (filed["quantity"], filed["duty_rate"], filed["value_for_duty"]) == stored


def test_a_json_number_never_passes_through_a_binary_float(client_for, importer_bam, rm1):
    """0.1 + 0.2 is not 0.3 in binary; 0.1 as a JSON number stays one tenth exactly."""
    body = declaration(line(value_for_duty=0.1, duty_rate=0.3, quantity=0.1))
    filed = file_api(client_for(importer_bam), rm1, body).json()["lines"][0]
    assert (filed["value_for_duty"], filed["duty_rate"], filed["quantity"]) == (
        "0.10",
        "0.30000",
        "0.100",
    )
    assert filed["duty"] == "0.03"  # 0.1 × 0.3 = 0.03 exactly


def test_a_payment_may_be_a_json_number_and_comes_back_a_string(client_for, importer_bam, rm1):
    response = pay_api(client_for(importer_bam), rm1, 12.5)
    assert response.status_code == 201
    assert response.json()["amount"] == "12.50"


@pytest.mark.parametrize(
    "quantity",
    ["1e3", "１２", "NaN", "Infinity", True, None, [], {"value": 1}, "12,5", " "],
)
def test_what_is_not_a_finite_decimal_is_refused(client_for, importer_bam, rm1, quantity):
    response = file_api(client_for(importer_bam), rm1, declaration(line(quantity=quantity)))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not Declaration.objects.exists()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("NaN", "parse_error"),
        ("Infinity", "parse_error"),
        ("-Infinity", "parse_error"),
        ("1e3", "invalid"),
        ("1E-2", "invalid"),
    ],
)
def test_json_numbers_that_are_not_plain_decimals_are_refused(
    client_for, importer_bam, rm1, raw, code
):
    body = json.dumps(declaration()).replace('"10"', raw)
    response = client_for(importer_bam).post(
        f"/api/v1/program-accounts/{rm1.bn15}/declarations/",
        body,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert not Declaration.objects.exists()


# --- Amounts past the columns' size (a stated maximum, a 400) -------------------------


def test_a_payment_past_the_maximum_is_a_400_on_the_api(client_for, importer_bam, rm1):
    response = pay_api(client_for(importer_bam), rm1, HUGE)
    assert response.status_code == 400
    assert "1000000000.00" in response.json()["detail"]
    assert not Payment.objects.exists() and not Posting.objects.exists()


def test_a_payment_past_the_maximum_is_a_form_error_on_the_page(client_for, importer_bam, rm1):
    client = client_for(importer_bam)
    page = client.get(f"/en/program-accounts/{rm1.bn15}/pay/")
    key = page.context["form"].initial["idempotency_key"]
    response = client.post(
        f"/en/program-accounts/{rm1.bn15}/pay/",
        {"amount": HUGE, "method": "wire", "idempotency_key": key},
    )
    assert response.status_code == 200
    assert "less than or equal to 1000000000" in response.content.decode()
    assert not Payment.objects.exists()


def test_a_line_past_the_maximum_is_refused_on_the_api(client_for, importer_bam, rm1):
    body = declaration(line(value_for_duty=HUGE, duty_rate="1", gst_rate="1"))
    response = file_api(client_for(importer_bam), rm1, body)
    assert response.status_code == 400
    assert not Declaration.objects.exists() and not Posting.objects.exists()


def test_lines_each_under_the_maximum_but_a_total_past_the_ledger_are_refused(importer_bam, rm1):
    from financial.errors import FinancialError
    from financial.services import declaration_file

    big = line(
        value_for_duty="1000000000.00",
        duty_rate="1",
        gst_rate="1",
        excise_duty="1000000000.00",
        excise_tax="1000000000.00",
        sima="1000000000.00",
        surtax="1000000000.00",
    )
    with pytest.raises(FinancialError) as refused:
        declaration_file(
            actor=importer_bam,
            program_account=rm1,
            release_date=timezone.localdate(),
            port_of_entry="0497",
            vendor="Acme",
            lines=[big] * 100,  # 100 × $12,000,000,000.00
        )
    assert refused.value.code == "total_too_large"
    assert not Declaration.objects.exists()


def test_a_line_past_the_maximum_is_a_form_error_on_the_page(client_for, importer_bam, rm1):
    response = client_for(importer_bam).post(
        f"/en/program-accounts/{rm1.bn15}/declarations/new/",
        {
            **form_declaration(),
            "lines-0-value_for_duty": HUGE,
            "lines-0-duty_rate": "100",
            "lines-0-gst_rate": "100",
        },
    )
    assert response.status_code == 200
    assert not Declaration.objects.exists()


@pytest.fixture
def surety_user(rm1):
    """A surety Maple invited to post security for RM0001."""
    surety = BusinessFactory(
        bn9="111222337", legal_name="True North Surety Co.", is_surety=True, is_importer=False
    )
    invited(surety, rm1)
    user = UserFactory(email="bonds@surety.example")
    member(user, surety, "bam")
    return user


def test_a_bond_past_the_maximum_is_a_400_and_the_importers_api_still_answers(
    client_for, surety_user, importer_bam, rm1
):
    response = post_json(
        client_for(surety_user),
        f"/api/v1/program-accounts/{rm1.bn15}/bonds/",
        {"bond_number": "B-1", "amount": HUGE, "effective_date": str(timezone.localdate())},
    )
    assert response.status_code == 400
    assert not SuretyBond.objects.exists()
    security = client_for(importer_bam).get(
        f"/api/v1/program-accounts/{rm1.bn15}/financial-security/"
    )
    assert security.status_code == 200


# --- Unbounded work per request ------------------------------------------------------------


def form_declaration(lines: int = 1) -> dict:
    data = {
        "release_date": str(timezone.localdate()),
        "port_of_entry": "0497",
        "vendor": "Acme",
        "lines-TOTAL_FORMS": str(lines),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "200",
    }
    for index in range(lines):
        data.update(
            {
                f"lines-{index}-hs_code": "8471300000",
                f"lines-{index}-description": "Laptops",
                f"lines-{index}-quantity": "1",
                f"lines-{index}-value_for_duty": "10.00",
                f"lines-{index}-duty_rate": "6.5",
                f"lines-{index}-gst_rate": "5",
            }
        )
    return data


def test_the_formset_builds_no_more_forms_than_a_declaration_has_lines(
    client_for, importer_bam, rm1
):
    from financial.forms import LineFormSet

    data = {**form_declaration(1), "lines-TOTAL_FORMS": "1200"}
    lines = LineFormSet(data, prefix="lines")
    assert len(lines.forms) == calculation.MAX_LINES
    assert not lines.is_valid()
    response = client_for(importer_bam).post(
        f"/en/program-accounts/{rm1.bn15}/declarations/new/", data
    )
    assert response.status_code == 200
    assert not Declaration.objects.exists()


def test_200_full_lines_may_be_posted_and_201_are_refused_on_the_page(
    client_for, importer_bam, rm1
):
    full = {
        **form_declaration(200),
        **{
            f"lines-{index}-{name}": ""
            for index in range(200)
            for name in ("tariff_description", "excise_duty", "excise_tax", "sima", "surtax")
        },
    }
    url = f"/en/program-accounts/{rm1.bn15}/declarations/new/"
    assert client_for(importer_bam).post(url, full).status_code == 302
    assert Declaration.objects.count() == 1
    response = client_for(importer_bam).post(
        f"/en/program-accounts/{rm1.bn15}/declarations/new/", form_declaration(201)
    )
    assert response.status_code == 200
    assert "A declaration has at most 200 lines." in response.content.decode()
    assert Declaration.objects.count() == 1


def test_a_declaration_without_lines_says_so_in_its_own_words(client_for, importer_bam, rm1):
    data = {**form_declaration(1), "lines-TOTAL_FORMS": "0"}
    url = f"/en/program-accounts/{rm1.bn15}/declarations/new/"
    english = client_for(importer_bam).post(url, data).content.decode()
    assert "A declaration needs at least one line." in english and "Please submit" not in english
    french = client_for(importer_bam).post(url.replace("/en/", "/fr/"), data).content.decode()
    assert "Une déclaration compte au moins une ligne." in french
    assert Declaration.objects.count() == 0


@pytest.mark.parametrize("count", ["many", "1e3", "", "-1", "٣"])
def test_a_line_count_that_is_not_a_number_is_refused_cleanly(client_for, importer_bam, rm1, count):
    client = client_for(importer_bam)
    url = f"/en/program-accounts/{rm1.bn15}/declarations/new/"
    data = {**form_declaration(1), "lines-TOTAL_FORMS": count}
    assert client.post(url, data).status_code == 200
    assert client.post(url, {**data, "add_line": "1"}).status_code == 200
    assert not Declaration.objects.exists()


def test_the_api_takes_at_most_200_lines(client_for, importer_bam, rm1):
    response = file_api(client_for(importer_bam), rm1, declaration(*[line()] * 201))
    assert response.status_code == 400
    assert "lines" in response.json()["errors"]
    assert not Declaration.objects.exists()
    assert file_api(client_for(importer_bam), rm1, declaration(*[line()] * 200)).status_code == 201


# --- Crafted input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/en/declarations/%00/",
        "/en/program-accounts/123456782RM0001%00/transactions/",
        "/en/businesses/123456782/clients/?q=%00",
        "/en/program-accounts/123456782RM0001/transactions/?kind=%00",
    ],
)
def test_a_nul_byte_in_the_path_or_query_is_a_400(client_for, importer_bam, rm1, url):
    response = client_for(importer_bam).get(url)
    assert response.status_code == 400


def test_a_nul_byte_in_an_api_path_is_a_json_400(client_for, importer_bam):
    response = client_for(importer_bam).get("/api/v1/declarations/%00/")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2026-02-30"])
def test_a_daily_notice_of_no_portal_date_is_a_404(client_for, importer_bam, rm1, day):
    url = f"/en/program-accounts/{rm1.bn15}/daily-notice/{day}/"
    assert client_for(importer_bam).get(url).status_code == 404


@pytest.mark.parametrize("field", ["posted_before", "posted_after"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_history_filters_past_the_portals_dates_are_refused(
    client_for, importer_bam, rm1, field, day
):
    client = client_for(importer_bam)
    page = client.get(f"/en/program-accounts/{rm1.bn15}/transactions/?{field}={day}")
    assert page.status_code == 200
    assert "Enter a date between January 1, 2000 and December 31, 2099." in page.content.decode()
    api = client.get(f"/api/v1/program-accounts/{rm1.bn15}/transactions/?{field}={day}")
    assert api.status_code == 400


@pytest.mark.parametrize(
    "cursor",
    [
        "2026-01-01T00:00:00+99:00|5",
        "2026-13-45T00:00:00|5",
        "|",
        "x" * 500,
        "2026-01-01T00:00:00|５",
    ],
)
def test_a_crafted_history_cursor_shows_the_first_page(client_for, importer_bam, rm1, cursor):
    from urllib.parse import quote

    url = f"/en/program-accounts/{rm1.bn15}/transactions/?after={quote(cursor)}"
    assert client_for(importer_bam).get(url).status_code == 200


@pytest.mark.parametrize(
    "position",
    ["not-a-date", "2026-01-01T00:00:00+99:00", "99999-12-31T23:59:59", "\x00"],
)
def test_a_forged_api_cursor_is_a_404(client_for, importer_bam, rm1, position):
    import base64
    from urllib.parse import quote, urlencode

    cursor = base64.b64encode(urlencode({"p": position, "r": "0"}).encode()).decode()
    url = f"/api/v1/program-accounts/{rm1.bn15}/transactions/?cursor={quote(cursor)}"
    response = client_for(importer_bam).get(url)
    assert response.status_code in (400, 404)
    assert response["Content-Type"] == "application/json"


def test_a_json_body_nested_5000_deep_is_a_400(client_for, importer_bam, rm1):
    body = "[" * 5000 + "]" * 5000
    response = client_for(importer_bam).post(
        f"/api/v1/program-accounts/{rm1.bn15}/declarations/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_release_date_of_year_one_is_refused(client_for, importer_bam, rm1):
    response = file_api(
        client_for(importer_bam), rm1, {**declaration(), "release_date": "0001-01-01"}
    )
    assert response.status_code == 400
    assert "release_date" in response.json()["errors"]
    page = client_for(importer_bam).post(
        f"/en/program-accounts/{rm1.bn15}/declarations/new/",
        {**form_declaration(), "release_date": "0001-01-01"},
    )
    assert page.status_code == 200
    assert not Declaration.objects.exists()


def test_a_bond_dated_in_9999_is_refused(client_for, surety_user, rm1):
    response = post_json(
        client_for(surety_user),
        f"/api/v1/program-accounts/{rm1.bn15}/bonds/",
        {"bond_number": "B-1", "amount": "5000.00", "effective_date": "9999-12-31"},
    )
    assert response.status_code == 400
    assert not SuretyBond.objects.exists()


@pytest.mark.parametrize("amount", ["1e3", "１２.５０", "1_000", "١٢"])
def test_amounts_in_exponents_or_other_digits_are_refused_on_the_page(
    client_for, importer_bam, rm1, amount
):
    client = client_for(importer_bam)
    key = (
        client.get(f"/en/program-accounts/{rm1.bn15}/pay/")
        .context["form"]
        .initial["idempotency_key"]
    )
    response = client.post(
        f"/en/program-accounts/{rm1.bn15}/pay/",
        {"amount": amount, "method": "wire", "idempotency_key": key},
    )
    assert response.status_code == 200
    assert not Payment.objects.exists()


@pytest.mark.parametrize("quantity", ["1e3", "１２", "1E-2"])
def test_quantities_in_exponents_or_other_digits_are_refused_on_the_page(
    client_for, importer_bam, rm1, quantity
):
    response = client_for(importer_bam).post(
        f"/en/program-accounts/{rm1.bn15}/declarations/new/",
        {**form_declaration(), "lines-0-quantity": quantity},
    )
    assert response.status_code == 200
    assert not Declaration.objects.exists()
