"""Duties and taxes of one line (financial/calculation.py, pure)."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from financial.calculation import line_amounts, positive_cents


@pytest.mark.parametrize(
    ("kwargs", "duty", "gst", "total"),
    [
        # 1,000.00 at 6.5 %: duty 65.00; GST 5 % of 1,065.00 = 53.25
        ({"value_for_duty": D("1000.00"), "duty_rate": D("0.065")}, "65.00", "53.25", "118.25"),
        # duty-free, GST only
        ({"value_for_duty": D("250.00"), "duty_rate": D("0")}, "0.00", "12.50", "12.50"),
        # relieved goods: 0 % GST
        (
            {"value_for_duty": D("250.00"), "duty_rate": D("0.08"), "gst_rate": D("0")},
            "20.00",
            "0.00",
            "20.00",
        ),
        # half a cent rounds up: 0.05 × 0.10 = 0.005 → 0.01; GST 0.05 × 0.11 = 0.0055 → 0.01
        ({"value_for_duty": D("0.10"), "duty_rate": D("0.05")}, "0.01", "0.01", "0.02"),
        # 123.45 at 18 %: 22.221 → 22.22; GST 0.05 × 145.67 = 7.2835 → 7.28
        ({"value_for_duty": D("123.45"), "duty_rate": D("0.18")}, "22.22", "7.28", "29.50"),
        # excise, SIMA and surtax join the duty-paid value for GST and the total
        (
            {
                "value_for_duty": D("10000.00"),
                "duty_rate": D("0.095"),
                "excise_duty": D("120.00"),
                "excise_tax": D("80.00"),
                "sima": D("1500.00"),
                "surtax": D("250.00"),
            },
            "950.00",
            "645.00",  # 5 % of 12,900.00
            "3545.00",
        ),
        # ints and strings are numbers too
        (
            {"value_for_duty": 200, "duty_rate": "0.1", "gst_rate": "0.13"},
            "20.00",
            "28.60",
            "48.60",
        ),
    ],
)
def test_worked_lines(kwargs, duty, gst, total):
    assert line_amounts(**kwargs) == {"duty": D(duty), "gst": D(gst), "total": D(total)}


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"value_for_duty": 100.0, "duty_rate": D("0.05")}, TypeError, "never a float"),
        ({"value_for_duty": D("-1"), "duty_rate": D("0.05")}, ValueError, "negative"),
        ({"value_for_duty": D("1.005"), "duty_rate": D("0.05")}, ValueError, "two decimals"),
        ({"value_for_duty": D("1"), "duty_rate": D("6.5")}, ValueError, "between 0 and 1"),
        ({"value_for_duty": D("1"), "duty_rate": D("-0.01")}, ValueError, "between 0 and 1"),
        ({"value_for_duty": "abc", "duty_rate": D("0.05")}, ValueError, "not a number"),
        ({"value_for_duty": D("NaN"), "duty_rate": D("0.05")}, ValueError, "not a number"),
        (
            {"value_for_duty": D("1"), "duty_rate": D("0.05"), "sima": D("-5")},
            ValueError,
            "negative",
        ),
    ],
)
def test_bad_input_is_refused(kwargs, error, message):
    with pytest.raises(error, match=message):
        line_amounts(**kwargs)


money = st.decimals(min_value=D("0"), max_value=D("10000000"), places=2, allow_nan=False)
rates = st.decimals(min_value=D("0"), max_value=D("1"), places=4, allow_nan=False)


@given(money, rates, money, money, money, money, rates)
def test_rounding_never_loses_a_cent(
    vfd, duty_rate, excise_duty, excise_tax, sima, surtax, gst_rate
):
    amounts = line_amounts(
        value_for_duty=vfd,
        duty_rate=duty_rate,
        excise_duty=excise_duty,
        excise_tax=excise_tax,
        sima=sima,
        surtax=surtax,
        gst_rate=gst_rate,
    )
    for value in amounts.values():
        assert value == value.quantize(D("0.01"))  # whole cents
    assert abs(amounts["duty"] - vfd * duty_rate) <= D("0.005")
    base = vfd + amounts["duty"] + excise_duty + excise_tax + sima + surtax
    assert abs(amounts["gst"] - gst_rate * base) <= D("0.005")
    assert (
        amounts["total"]
        == amounts["duty"] + excise_duty + excise_tax + sima + surtax + amounts["gst"]
    )


@given(money, rates, rates)
def test_more_value_never_costs_less(vfd, duty_rate, gst_rate):
    first = line_amounts(value_for_duty=vfd, duty_rate=duty_rate, gst_rate=gst_rate)
    more = line_amounts(value_for_duty=vfd + D("0.01"), duty_rate=duty_rate, gst_rate=gst_rate)
    assert more["total"] >= first["total"]


@pytest.mark.parametrize(
    ("value", "amount"),
    [
        (D("12.34"), D("12.34")),
        ("12.3", D("12.3")),
        (5, D("5")),
        (D("0"), None),
        (D("-5"), None),
        (D("1.001"), None),
        ("1e400", None),
        ("NaN", None),
        ("Infinity", None),
        ("twelve", None),
        (12.34, None),  # a float never carries money
        (True, None),
        (None, None),
    ],
)
def test_an_amount_to_pay_or_post(value, amount):
    assert positive_cents(value) == amount
