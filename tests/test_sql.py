"""carm.sql: the array literals of the set-based statements."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from carm.sql import array_literal

pytestmark = pytest.mark.django_db


def test_numbers_dates_booleans_and_nulls_come_back_as_sent():
    values = {
        "bigint": [1, 9_007_199_254_740_993, None],
        "numeric": [Decimal("0.00"), Decimal("5000"), Decimal("-12.345"), None],
        "date": [datetime.date(2026, 10, 19), None],
        "boolean": [True, False, None],
    }
    with connection.cursor() as cursor:
        for kind, sent in values.items():
            cursor.execute(f"SELECT %s::{kind}[]", [array_literal(sent)])
            assert cursor.fetchone()[0] == sent, kind


def test_empty():
    assert array_literal([]) == "{}"


@pytest.mark.parametrize("value", ["None", "a,b", datetime.datetime(2026, 1, 1, 12, 0), 1.5, b"1"])
def test_anything_that_would_need_quoting_is_refused(value):
    with pytest.raises(TypeError):
        array_literal([1, value])
