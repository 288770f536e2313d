"""Rows as CSV that a spreadsheet opens as data: text that would run as a formula is not."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

# What Excel, LibreOffice and Google Sheets read as the start of a formula (OWASP's list).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """The value a CSV cell may hold: text starting like a formula gets a leading `'`, so it
    shows as the text it is; numbers stay numbers (a negative amount is not a formula)."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(stream: TextIO, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> None:
    """A header of `columns`, then one safe line per row (missing values empty)."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow([spreadsheet_safe(column) for column in columns])
    for row in rows:
        writer.writerow([spreadsheet_safe(row.get(column)) for column in columns])
