"""Cell values: parsing them as number, boolean, date/time or text, and inferring which."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from leadflow.storage.times import in_utc

NUMBER, BOOLEAN, DATETIME, TEXT = "number", "boolean", "datetime", "text"
TYPES = (NUMBER, BOOLEAN, DATETIME, TEXT)

EXPECTED = {
    NUMBER: "expected a number",
    BOOLEAN: "expected a boolean (true/false, yes/no, 1/0)",
    DATETIME: "expected an ISO 8601 date/time such as 2024-05-01 or 2024-05-01T09:30:00Z",
    TEXT: "expected text",
}

NUL_CHARACTER = "contains a NUL character (\\x00), which cannot be stored; remove it"

_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# "02134" is a postcode or an id, not the number 2134: inference keeps it as text.
_LEADING_ZERO = re.compile(r"[+-]?0\d")
_DATE_START = re.compile(r"\d{4}-\d{2}-\d{2}")
_TRUE = frozenset({"true", "yes", "y", "t"})
_FALSE = frozenset({"false", "no", "n", "f"})
# Beyond this a float no longer holds every integer exactly.
_EXACT_INTEGERS = 2**53

Parser = Callable[[Any], Any]


def is_missing(value: Any) -> bool:
    """True for an empty cell: None, blank text or NaN (how pandas and Parquet write nulls)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value or value.isspace()
    return isinstance(value, float) and math.isnan(value)


def _plain_number(number: float) -> int | float:
    if math.isnan(number) or math.isinf(number):
        raise ValueError("expected a finite number")
    if number.is_integer() and abs(number) < _EXACT_INTEGERS:
        return int(number)
    return number


def parse_number(value: Any) -> int | float:
    """An int, or a float when it has a fraction (3.0 is 3, so every format agrees)."""
    if isinstance(value, bool):
        raise ValueError(EXPECTED[NUMBER])
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        return _plain_number(float(value))
    if isinstance(value, str):
        text = value.strip()
        if _INTEGER.fullmatch(text):
            return int(text)
        if _DECIMAL.fullmatch(text):
            return _plain_number(float(text))
    raise ValueError(EXPECTED[NUMBER])


def parse_boolean(value: Any) -> bool:
    """True or False from true/false, yes/no, y/n, t/f or 1/0, in any case."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE or text == "1":
            return True
        if text in _FALSE or text == "0":
            return False
    raise ValueError(EXPECTED[BOOLEAN])


def parse_datetime(value: Any, zone: tzinfo) -> datetime:
    """A UTC instant from ISO 8601 text or a date/time; naive values are taken in `zone`."""
    if value.__class__ is str:
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(EXPECTED[DATETIME]) from None
    elif isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        raise ValueError(EXPECTED[DATETIME])
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return in_utc(moment)


def iso_utc(moment: datetime) -> str:
    """ISO 8601 text of a UTC instant, with a Z."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def checked_text(text: str) -> str:
    """Text the store can keep: PostgreSQL refuses NUL characters, so every database does."""
    if "\x00" in text:
        raise ValueError(NUL_CHARACTER)
    return text


def parse_text(value: Any) -> str:
    """Trimmed text; other values as their usual text (nested JSON as compact JSON)."""
    if isinstance(value, str):
        return checked_text(value.strip())
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | Decimal):
        return str(_plain_number(float(value)))
    if isinstance(value, datetime):
        return iso_utc(value) if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        try:
            text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
        except RecursionError:
            raise ValueError("nested too deeply to be kept") from None
        return checked_text(text)
    return checked_text(str(value))


def json_parser(type_: str, zone: tzinfo) -> Parser:
    """A parser giving JSON-ready values of a custom attribute's type."""
    if type_ == NUMBER:
        return parse_number
    if type_ == BOOLEAN:
        return parse_boolean
    if type_ == DATETIME:
        return lambda value: iso_utc(parse_datetime(value, zone))
    return parse_text


def _looks_number(value: Any) -> bool:
    if isinstance(value, str) and _LEADING_ZERO.match(value.strip()):
        return False
    try:
        parse_number(value)
    except ValueError:
        return False
    return True


def _looks_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    return isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE


def _looks_datetime(value: Any) -> bool:
    if isinstance(value, date):
        return True
    if not isinstance(value, str) or not _DATE_START.match(value.strip()):
        return False
    try:
        parse_datetime(value, UTC)
    except ValueError:
        return False
    return True


def infer_type(values: Iterable[Any]) -> str:
    """The first of number, boolean, date/time that fits every value; text otherwise."""
    sample = list(values)
    for type_, fits in ((NUMBER, _looks_number), (BOOLEAN, _looks_boolean)):
        if all(fits(value) for value in sample):
            return type_
    if all(_looks_datetime(value) for value in sample):
        return DATETIME
    return TEXT
