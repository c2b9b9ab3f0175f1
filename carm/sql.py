"""Helpers for the few statements written in SQL (set-based jobs over thousands of rows)."""

import datetime
from collections.abc import Iterable
from decimal import Decimal

# Types whose text is a valid array element as it stands (exact types: a datetime's text
# has a space), and None, written NULL.
UNQUOTED = frozenset({int, bool, Decimal, datetime.date, type(None)})


def array_literal(values: Iterable[int | Decimal | datetime.date | bool | None]) -> str:
    """`'{1,2.50,NULL}'`: a PostgreSQL array literal, passed as one text parameter and cast
    in the statement (`unnest(%s::numeric[])`). psycopg2 adapts a list element by element
    (~1 ms a thousand), and a chunk of the annual review inserts eight columns of a
    thousand. Numbers, dates, booleans and None only: their text never needs quoting."""
    values = list(values)
    if wrong := set(map(type, values)) - UNQUOTED:
        raise TypeError(f"Not a number, date, boolean or None: {sorted(map(str, wrong))}")
    # No other element's text contains "None".
    return "{" + ",".join(map(str, values)).replace("None", "NULL") + "}"
