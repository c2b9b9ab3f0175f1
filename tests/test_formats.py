"""One way to write money and dates per language (carm/formats.py), and the template
filters that use it everywhere."""

import datetime
from decimal import Decimal as D

import pytest
from django.template import Context, Template
from django.utils import translation

from carm.formats import day, iso_day, moment, money, month, month_day, percent
from financial.calendar import EASTERN

NBSP = "\u00a0"


def in_(language: str, write, value):
    with translation.override(language):
        return write(value)


@pytest.mark.parametrize(
    ("value", "english", "french"),
    [
        (D("0"), "$0.00", f"0,00{NBSP}$"),
        (D("5"), "$5.00", f"5,00{NBSP}$"),
        (D("999.999"), "$1,000.00", f"1{NBSP}000,00{NBSP}$"),
        (D("1234.5"), "$1,234.50", f"1{NBSP}234,50{NBSP}$"),
        (D("12500.00"), "$12,500.00", f"12{NBSP}500,00{NBSP}$"),
        (D("35217.46"), "$35,217.46", f"35{NBSP}217,46{NBSP}$"),
        (D("1234567.89"), "$1,234,567.89", f"1{NBSP}234{NBSP}567,89{NBSP}$"),
        (D("-1761.54"), "-$1,761.54", f"-1{NBSP}761,54{NBSP}$"),
        (D("-0.01"), "-$0.01", f"-0,01{NBSP}$"),
        ("17609.00", "$17,609.00", f"17{NBSP}609,00{NBSP}$"),
        (None, "—", "—"),
    ],
)
def test_money_in_each_language(value, english, french):
    assert in_("en", money, value) == english
    assert in_("fr", money, value) == french


def test_a_rate_in_each_language():
    assert in_("en", percent, D("0.065")) == "6.5%"
    assert in_("fr", percent, D("0.065")) == f"6,5{NBSP}%"
    assert in_("fr", percent, None) == "—"


@pytest.mark.parametrize(
    ("value", "english", "french"),
    [
        (datetime.date(2026, 10, 1), "October 1, 2026", "1er octobre 2026"),
        (datetime.date(2026, 10, 2), "October 2, 2026", "2 octobre 2026"),
        (datetime.date(2026, 11, 25), "November 25, 2026", "25 novembre 2026"),
        (datetime.date(2027, 1, 11), "January 11, 2027", "11 janvier 2027"),
        (datetime.date(2026, 8, 1), "August 1, 2026", "1er août 2026"),
        (None, "—", "—"),
        ("", "—", "—"),
    ],
)
def test_a_day_in_each_language(value, english, french):
    assert in_("en", day, value) == english
    assert in_("fr", day, value) == french


def test_a_moment_is_read_in_eastern_time():
    # 03:30 UTC on October 2 is still October 1 in Ottawa.
    at = datetime.datetime(2026, 10, 2, 3, 30, tzinfo=datetime.UTC)
    assert in_("en", day, at) == "October 1, 2026"
    assert in_("en", moment, at) == "October 1, 2026, 23:30"
    assert in_("fr", moment, at) == f"1er octobre 2026, 23{NBSP}h{NBSP}30"
    afternoon = datetime.datetime(2026, 10, 14, 14, 5, tzinfo=EASTERN)
    assert in_("en", moment, afternoon) == "October 14, 2026, 14:05"
    assert in_("fr", moment, afternoon) == f"14 octobre 2026, 14{NBSP}h{NBSP}05"
    morning = datetime.datetime(2026, 10, 14, 9, 0, tzinfo=EASTERN)
    assert in_("fr", moment, morning) == f"14 octobre 2026, 9{NBSP}h{NBSP}00"
    assert in_("fr", moment, None) == "—"


def test_a_month_and_a_day_of_the_year():
    first = datetime.date(2026, 10, 1)
    assert in_("en", month, first) == "October 2026"
    assert in_("fr", month, first) == "octobre 2026"
    assert in_("en", month_day, first) == "October 1"
    assert in_("fr", month_day, first) == "1er octobre"
    assert in_("fr", month_day, datetime.date(2026, 10, 20)) == "20 octobre"


def test_an_iso_day_stored_as_text():
    assert in_("fr", iso_day, "2026-11-01") == "1er novembre 2026"
    assert in_("en", iso_day, "2026-11-25") == "November 25, 2026"
    assert in_("en", iso_day, "soon") == "soon"


def test_the_filters_are_in_every_template_without_a_load():
    template = Template(
        "{{ amount|money }} · {{ due|day }} · {{ at|moment }} · {{ due|month }} · "
        "{{ due|month_day }} · {{ rate|percent }}"
    )
    context = Context(
        {
            "amount": D("12500"),
            "due": datetime.date(2026, 10, 1),
            "at": datetime.datetime(2026, 10, 1, 14, 5, tzinfo=EASTERN),
            "rate": D("0.05"),
        }
    )
    with translation.override("en"):
        assert template.render(context) == (
            "$12,500.00 · October 1, 2026 · October 1, 2026, 14:05 · October 2026 · October 1 · 5%"
        )
    with translation.override("fr"):
        assert template.render(context) == (
            f"12{NBSP}500,00{NBSP}$ · 1er octobre 2026 · 1er octobre 2026, 14{NBSP}h{NBSP}05 · "
            f"octobre 2026 · 1er octobre · 5{NBSP}%"
        )


def test_a_notification_writes_its_stored_days_and_amounts_in_the_readers_language():
    from notifications.kinds import Kind, render_body

    facts = {
        "reference": "AMP-2026-000123",
        "account": "123456782RM0001",
        "invoice_kind": "amp",
        "amount": "12500.00",
        "due_date": "2026-10-01",
    }
    english = in_("en", lambda f: render_body(Kind.INVOICE_ISSUED, f), facts)
    french = in_("fr", lambda f: render_body(Kind.INVOICE_ISSUED, f), facts)
    assert "$12,500.00, due October 1, 2026." in english
    assert f"12{NBSP}500,00{NBSP}$" in french and "1er octobre 2026" in french
    assert "2026-10-01" not in english + french
