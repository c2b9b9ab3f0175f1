"""CSV exports, safe to open in a spreadsheet."""

import csv
from collections.abc import Iterable, Iterator

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value) -> str:
    """Text that a spreadsheet would run as a formula is shown as text instead."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_rows(header: list[str], rows: Iterable[list], *, text_columns: set[int]) -> Iterator[str]:
    """CSV lines; columns in `text_columns` (free text) are made spreadsheet-safe, numbers
    and dates are written as they are."""
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow(
            [spreadsheet_safe(v) if i in text_columns else v for i, v in enumerate(row)]
        )
