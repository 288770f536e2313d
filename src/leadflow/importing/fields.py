"""What an import knows about each kind of record: its fields, their types, reserved names."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any, NamedTuple

from sqlalchemy import Table

from leadflow.importing import values
from leadflow.leads.identity import normalize_email

_NON_WORD = re.compile(r"\W+")
_DOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$")


def column_key(name: str) -> str:
    """A column name as leadflow compares it: trimmed, lower-case, words joined by '_'."""
    return _NON_WORD.sub("_", name.strip().lower()).strip("_")


class Problem(NamedTuple):
    """What is wrong with one cell (or, with no column, the whole row)."""

    column: str | None
    value: Any
    reason: str


@dataclass(slots=True)
class ParsedRow:
    """A row's typed known fields and custom attributes, and its problems so far."""

    number: int
    values: dict[str, Any]
    fields: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class KnownField:
    """A field an import sets by name: how its text is read, and how long it may be."""

    kind: str  # text, email, domain, datetime, integer, number or lead_id
    max_length: int | None = None


@dataclass(frozen=True)
class Requirement:
    """At least one of these fields must have a value; `why` says what needs it."""

    fields: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class EntitySpec:
    """Everything the column plan needs to know about one kind of record."""

    kind: str  # leads, accounts or activities: the command's word
    entity: str  # lead, account or activity: attribute_definitions.entity
    fields: Mapping[str, KnownField]
    reserved: Mapping[str, str]  # column -> why an import may not set it
    requirements: tuple[Requirement, ...]


def column_length(table: Table, name: str) -> int | None:
    """The most characters a text column of `table` holds."""
    length: int | None = getattr(table.c[name].type, "length", None)
    return length


def text_fields(table: Table, names: tuple[str, ...]) -> dict[str, KnownField]:
    """Plain text fields, limited to their column's length in `table`."""
    return {name: KnownField("text", column_length(table, name)) for name in names}


def normalize_domain(raw: str) -> str:
    """A company domain from what people type: no scheme, path, port, `www.` or capitals."""
    domain = raw.strip().lower()
    domain = domain.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0].removeprefix("www.")
    if not _DOMAIN.match(domain):
        raise ValueError("not a domain name such as acme.com")
    return domain


def known_parser(known: KnownField, zone: tzinfo) -> values.Parser:
    """The parser of a known field: typed value out, ValueError with a reason otherwise."""
    limit = known.max_length
    if known.kind == "text" and limit is not None:
        return _limited_text(limit)
    base = _base_parser(known.kind, zone)
    if limit is None:
        return base

    def limited(value: Any) -> Any:
        parsed = base(value)
        if len(parsed) > limit:
            raise ValueError(f"longer than {limit} characters")
        return parsed

    return limited


def _limited_text(limit: int) -> values.Parser:
    def text(value: Any) -> str:
        if value.__class__ is str:
            parsed = value.strip()
            if "\x00" in parsed:
                raise ValueError(values.NUL_CHARACTER)
        else:
            parsed = values.parse_text(value)
        if len(parsed) > limit:
            raise ValueError(f"longer than {limit} characters")
        return parsed

    return text


def _base_parser(kind: str, zone: tzinfo) -> values.Parser:
    if kind == "text":
        return values.parse_text
    if kind == "email":
        return _email
    if kind == "domain":
        return lambda value: normalize_domain(values.parse_text(value))
    if kind == "datetime":
        return lambda value: values.parse_datetime(value, zone)
    if kind == "integer":
        return _whole_number
    if kind == "lead_id":
        return _lead_id
    if kind == "number":
        return lambda value: float(values.parse_number(value))
    raise ValueError(f"unknown field kind {kind!r}")


def _email(value: Any) -> str:
    try:
        return normalize_email(values.parse_text(value))
    except ValueError:
        raise ValueError("not an e-mail address") from None


def _whole_number(value: Any) -> int:
    try:
        number = values.parse_number(value)
    except ValueError:
        number = None
    if not isinstance(number, int):
        raise ValueError("expected a whole number")
    return number


def _lead_id(value: Any) -> int:
    try:
        number = _whole_number(value)
    except ValueError:
        number = 0
    if number < 1:
        raise ValueError("expected a lead id (a positive whole number)")
    return number
