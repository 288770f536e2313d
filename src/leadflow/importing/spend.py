"""Importing campaign spend: source, campaign, a period and an amount; one row per period.

A row names its period by `period_start` and `period_end` (dates, both included) or by
`month` (YYYY-MM, the whole month). Importing the same (source, campaign, period) again
replaces its amount, medium and currency: a corrected file can simply be imported again.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from typing import Any, cast

from sqlalchemy import Connection, Table, select, update

from leadflow.analytics.models import CampaignSpend
from leadflow.importing.context import ImportContext
from leadflow.importing.fields import (
    EntitySpec,
    KnownField,
    ParsedRow,
    Problem,
    Requirement,
    column_length,
)
from leadflow.storage.bulk import insert_rows

TABLE = cast(Table, CampaignSpend.__table__)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WRITTEN = ("medium", "amount", "currency")

SPEND_SPEC = EntitySpec(
    kind="spend",
    entity="spend",
    fields={
        "source": KnownField("text", column_length(TABLE, "source")),
        "medium": KnownField("text", column_length(TABLE, "medium")),
        "campaign": KnownField("text", column_length(TABLE, "campaign")),
        "period_start": KnownField("text"),
        "period_end": KnownField("text"),
        "month": KnownField("text"),
        "amount": KnownField("number"),
        "currency": KnownField("text", 3),
    },
    reserved={"id": "ids are assigned by leadflow", "created_at": "set by leadflow"},
    requirements=(
        Requirement(("source",), "spend is money spent on a source"),
        Requirement(("amount",), "spend needs an amount"),
        Requirement(("month", "period_start"), "spend needs a month or a period_start"),
    ),
)

SpendKey = tuple[str, str | None, date, date]


class SpendImport:
    """Upserts spend rows chunk by chunk, keyed by (source, campaign, period)."""

    spec = SPEND_SPEC

    def __init__(self, *, connection: Connection, context: ImportContext) -> None:
        self._connection = connection
        self._context = context
        self._seen: dict[SpendKey, int] = {}

    def apply(self, rows: list[ParsedRow], *, write: bool) -> None:
        """Check each row's period and amount; insert new periods, update changed ones."""
        records: dict[SpendKey, dict[str, Any]] = {}
        for row in rows:
            record = _record(row)
            if record is None:
                continue
            key = (
                record["source"],
                record["campaign"],
                record["period_start"],
                record["period_end"],
            )
            if key in self._seen:
                row.problems.append(
                    Problem(
                        None, None, f"same source, campaign and period as row {self._seen[key]}"
                    )
                )
                continue
            self._seen[key] = row.number
            records[key] = record
        if write and records:
            self._write(records)

    def _write(self, records: dict[SpendKey, dict[str, Any]]) -> None:
        summary = self._context.summary
        stored = self._stored({key[0] for key in records})
        new = []
        for key, record in records.items():
            found = stored.get(key)
            if found is None:
                new.append(record | {"created_at": self._context.now})
            elif any(found[c] != record[c] for c in _WRITTEN):
                self._connection.execute(
                    update(TABLE)
                    .where(TABLE.c.id == found["id"])
                    .values(**{c: record[c] for c in _WRITTEN})
                )
                summary.updated += 1
            else:
                summary.unchanged += 1
        summary.created += insert_rows(self._connection, TABLE, new)

    def _stored(self, sources: set[str]) -> dict[SpendKey, dict[str, Any]]:
        columns = [
            TABLE.c[c]
            for c in ("id", "source", "campaign", "period_start", "period_end", *_WRITTEN)
        ]
        result = self._connection.execute(select(*columns).where(TABLE.c.source.in_(sources)))
        return {
            (r.source, r.campaign, r.period_start, r.period_end): dict(r._mapping) for r in result
        }


def _record(row: ParsedRow) -> dict[str, Any] | None:
    fields = row.fields
    for column, value in row.attributes.items():
        known = ", ".join(SPEND_SPEC.fields)
        row.problems.append(Problem(column, value, f"not a spend field; known fields: {known}"))
    period = _period(row)
    amount = fields.get("amount")
    if amount is not None and amount < 0:
        row.problems.append(Problem("amount", amount, "spend cannot be negative"))
    currency = (fields.get("currency") or "USD").upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        row.problems.append(
            Problem("currency", fields.get("currency"), "expected a code such as USD")
        )
    if not fields.get("source"):
        row.problems.append(Problem("source", None, "a source is required"))
    if amount is None:
        row.problems.append(Problem("amount", None, "an amount is required"))
    if period is None or row.problems:
        return None
    return {
        "source": fields["source"],
        "medium": fields.get("medium") or None,
        "campaign": fields.get("campaign") or None,
        "period_start": period[0],
        "period_end": period[1],
        "amount": float(fields["amount"]),
        "currency": currency,
    }


def _period(row: ParsedRow) -> tuple[date, date] | None:
    fields = row.fields
    month, start, end = fields.get("month"), fields.get("period_start"), fields.get("period_end")
    if month and (start or end):
        row.problems.append(Problem("month", month, "give a month or a period, not both"))
        return None
    if month:
        match = _MONTH.match(month)
        if not match or not 1 <= int(match.group(2)) <= 12:
            row.problems.append(Problem("month", month, "expected a month such as 2026-03"))
            return None
        year, number = int(match.group(1)), int(match.group(2))
        return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])
    first = _date(row, "period_start", start)
    last = _date(row, "period_end", end)
    if first is None or last is None:
        return None
    if last < first:
        row.problems.append(Problem("period_end", end, "the period ends before it starts"))
        return None
    return first, last


def _date(row: ParsedRow, column: str, value: str | None) -> date | None:
    if not value:
        row.problems.append(Problem(column, None, f"{column} is required without a month"))
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        row.problems.append(Problem(column, value, "expected a date such as 2026-03-01"))
        return None
