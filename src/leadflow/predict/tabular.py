"""Reading a plain CRM export and typing its columns the way a person would.

Numbers are numbers (a decimal comma too, under `;`), yes/no columns are 0/1, "Select"-style
unfilled dropdowns and blanks are missing, dates are recognised, and columns that cannot help
a model (one value, an identifier, free text) are set aside with the reason.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from leadflow.errors import InvalidInputError

MISSING_WORDS = frozenset({"", "na", "n/a", "nan", "null", "none", "nil", "-", "--", "?", "#n/a"})
# A dropdown nobody touched: "Select", "-- Select --", "Please select", "Select one".
UNFILLED_DROPDOWN = re.compile(
    r"^[\s\-_.(\[<]*(please\s+)?select(\s+(one|an?\s+option|option|\.\.\.))?[\s\-_.)\]>]*$",
    re.IGNORECASE,
)
TRUE_WORDS = frozenset({"yes", "y", "true", "t"})
FALSE_WORDS = frozenset({"no", "n", "false", "f"})
DECIMAL_COMMA = re.compile(r"^[+-]?\d+(,\d+)?$")
MAX_CATEGORIES_SHARE = 0.5
MIN_CATEGORIES_FOR_IDENTIFIER = 50


@dataclass(frozen=True)
class TypedTable:
    """An export with every column typed; `ignored` says which were set aside and why."""

    frame: pd.DataFrame
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    dates: tuple[str, ...]
    ignored: dict[str, str] = field(default_factory=dict)
    delimiter: str = ","


def sniff_delimiter(sample: str) -> str:
    """`;`, `,`, tab or `|`, whichever splits the header and first rows consistently."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        header = sample.splitlines()[0] if sample else ""
        return max(",;\t|", key=header.count)


def read_export(path: Path) -> tuple[pd.DataFrame, str]:
    """Every cell of a CSV export as text (blanks as missing), and the delimiter it used."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            sample = handle.read(64 * 1024)
    except OSError as exc:
        raise InvalidInputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    if not sample.strip():
        raise InvalidInputError(f"{path}: the file is empty")
    delimiter = sniff_delimiter(sample)
    try:
        frame = pd.read_csv(
            path, sep=delimiter, dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInputError(f"{path}: not a readable CSV file ({exc})") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.map(_cell).astype(object), delimiter


def _cell(text: str) -> str | None:
    value = text.strip()
    if value.lower() in MISSING_WORDS or UNFILLED_DROPDOWN.match(value):
        return None
    return value


def _as_numbers(values: pd.Series, delimiter: str) -> pd.Series | None:
    present = values.dropna().astype(str)
    if delimiter == ";" and present.str.match(DECIMAL_COMMA).all():
        present = present.str.replace(",", ".", regex=False)
    numbers = pd.to_numeric(present, errors="coerce")
    if numbers.isna().any():
        return None
    return pd.Series(numbers, index=present.index).reindex(values.index).astype(float)


def _as_yes_no(values: pd.Series) -> pd.Series | None:
    words = values.dropna().astype(str).str.lower()
    if words.empty or not set(words) <= TRUE_WORDS | FALSE_WORDS:
        return None
    if not set(words) & TRUE_WORDS or not set(words) & FALSE_WORDS:
        return None
    return words.isin(TRUE_WORDS).astype(float).reindex(values.index)


def _as_dates(values: pd.Series) -> pd.Series | None:
    present = values.dropna().astype(str)
    if present.empty or not present.str.contains(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}").all():
        return None
    parsed = pd.to_datetime(present, errors="coerce", format="mixed")
    if parsed.isna().any():
        return None
    return parsed.reindex(values.index)


def parse_times(values: pd.Series, *, column: str) -> pd.Series:
    """A time column as timestamps, or an error naming the first row that does not parse."""
    parsed = pd.to_datetime(values, errors="coerce", format="mixed", utc=True)
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if bad.size:
        row = int(bad[0])
        raise InvalidInputError(
            f"--time-column {column!r}: {bad.size} values are not dates or times, "
            f"first at data row {row + 1}: {values.iloc[row]!r}"
        )
    return parsed


def type_columns(frame: pd.DataFrame, *, delimiter: str = ",") -> TypedTable:
    """Type every column of a text frame from `read_export`."""
    typed: dict[str, pd.Series] = {}
    numeric: list[str] = []
    categorical: list[str] = []
    dates: list[str] = []
    ignored: dict[str, str] = {}
    rows = len(frame)
    for column in frame.columns:
        values = frame[column]
        distinct = values.dropna().nunique()
        if distinct == 0:
            ignored[column] = "always blank"
            continue
        if distinct == 1:
            ignored[column] = "one value only"
            continue
        converted = _as_yes_no(values)
        if converted is None:
            converted = _as_numbers(values, delimiter)
        if converted is not None:
            typed[column] = converted
            numeric.append(column)
            continue
        when = _as_dates(values)
        if when is not None:
            typed[column] = when
            dates.append(column)
            continue
        if distinct >= MIN_CATEGORIES_FOR_IDENTIFIER and distinct > MAX_CATEGORIES_SHARE * rows:
            ignored[column] = f"{distinct} distinct values: an identifier or free text"
            continue
        typed[column] = values.astype(object)
        categorical.append(column)
    return TypedTable(
        frame=pd.DataFrame(typed, index=frame.index),
        numeric=tuple(numeric),
        categorical=tuple(categorical),
        dates=tuple(dates),
        ignored=ignored,
        delimiter=delimiter,
    )
