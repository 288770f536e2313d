"""Importing activities: idempotent by event id, each joined to its lead (or kept anonymous)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Connection, Table

from leadflow.activities.models import ACTIVITY_FIELDS, ACTIVITY_LEAD_KEYS, Activity
from leadflow.importing.context import ImportContext
from leadflow.importing.fields import (
    EntitySpec,
    KnownField,
    ParsedRow,
    Problem,
    Requirement,
    column_length,
    text_fields,
)
from leadflow.importing.leads import TABLE as LEADS
from leadflow.importing.leads import complete_leads, new_lead_defaults
from leadflow.importing.upsert import rows_where_in
from leadflow.storage.bulk import insert_returning_ids, insert_rows

TABLE = cast(Table, Activity.__table__)
_TEXT = tuple(name for name in ACTIVITY_FIELDS if name != "occurred_at")
DIGEST_LENGTH = 40
KNOWN_LEADS_LIMIT = 200_000

ACTIVITY_SPEC = EntitySpec(
    kind="activities",
    entity="activity",
    fields={
        **text_fields(TABLE, _TEXT),
        "occurred_at": KnownField("datetime"),
        "lead_id": KnownField("lead_id"),
        "email": KnownField("email", column_length(LEADS, "email")),
        "lead_external_id": KnownField("text", column_length(LEADS, "external_id")),
    },
    reserved={
        "id": "ids are assigned by leadflow; give the event's own id as event_id",
        "external_id": "ambiguous: name it lead_external_id (the lead's) or event_id (the event's)",
        "received_at": "set by leadflow when the activity arrives",
        "properties": "every other column becomes a property by itself",
    },
    requirements=(
        Requirement(("type",), "an activity needs a type (such as page_view)"),
        Requirement(("occurred_at",), "an activity needs occurred_at (when it happened)"),
        Requirement(
            (*ACTIVITY_LEAD_KEYS, "anonymous_id"),
            "an activity needs its lead (email, lead_external_id or lead_id) or an anonymous_id",
        ),
    ),
)
_UTM = ("source", "medium", "campaign")
# Who an event without an id happened to, strongest key first.
_IDENTITIES = ("email", "lead_external_id", "lead_id", "anonymous_id")


@dataclass(eq=False)
class NewLead:
    """A lead an activity brings in: its e-mail, first touch, and id once inserted."""

    values: dict[str, Any]
    id: int | None = field(default=None)


def event_digest(fields: dict[str, Any], properties: dict[str, Any]) -> str:
    """The id of an event sent without one: who, what, when (UTC) and its properties."""
    for key in _IDENTITIES:
        if key in fields:
            who = f"{key}:{fields[key]}"
            break
    canonical = json.dumps(properties, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    text = f"{who}\x1f{fields['type']}\x1f{fields['occurred_at'].isoformat()}\x1f{canonical}"
    return hashlib.sha256(text.encode()).hexdigest()[:DIGEST_LENGTH]


class ActivityImport:
    """Inserts activities chunk by chunk, creating the leads unknown e-mails stand for."""

    spec = ACTIVITY_SPEC

    def __init__(self, *, connection: Connection, context: ImportContext) -> None:
        self._connection = connection
        self._context = context
        # Lead ids already looked up, by (column, value): activity files name the same
        # leads again and again. Bounded: emptied when full.
        self._known: dict[tuple[str, Any], int] = {}

    def _lookup(self, key: str, column: str, rows: list[ParsedRow]) -> dict[Any, int]:
        known = self._known
        wanted = {row.fields[key] for row in rows if key in row.fields}
        ids = {value: known[column, value] for value in wanted if (column, value) in known}
        missing = wanted.difference(ids)
        for row in rows_where_in(self._connection, LEADS, column, missing, ("id", column)):
            ids[row[column]] = row["id"]
        self._remember((column, value, lead_id) for value, lead_id in ids.items())
        return ids

    def _remember(self, entries: Iterable[tuple[str, Any, int]]) -> None:
        if len(self._known) > KNOWN_LEADS_LIMIT:
            self._known.clear()
        for column, value, lead_id in entries:
            self._known[column, value] = lead_id

    def apply(self, rows: list[ParsedRow], *, write: bool) -> None:
        """Resolve each good row's lead; insert the chunk's activities when `write`."""
        good = [row for row in rows if not row.problems]
        by_email = self._lookup("email", "email", good)
        by_external = self._lookup("lead_external_id", "external_id", good)
        known_ids = set(self._lookup("lead_id", "id", good))
        new_leads: dict[tuple[str, Any], NewLead] = {}
        resolved: list[tuple[ParsedRow, int | NewLead | None]] = []
        for row in good:
            hits: dict[str, int | NewLead] = {}
            f = row.fields
            if "lead_id" in f:
                if f["lead_id"] not in known_ids:
                    row.problems.append(Problem("lead_id", f["lead_id"], "no lead has this id"))
                    continue
                hits["lead_id"] = f["lead_id"]
            for key, stored in (("lead_external_id", by_external), ("email", by_email)):
                if key in f:
                    hit = stored.get(f[key]) or new_leads.get((key, f[key]))
                    if hit is not None:
                        hits[key] = hit
            if len(set(hits.values())) > 1:
                named = ", ".join(f"{key} {f[key]!r}" for key in hits)
                row.problems.append(Problem(None, None, f"{named} belong to different leads"))
                continue
            if hits:
                resolved.append((row, next(iter(hits.values()))))
            elif "email" in f:
                resolved.append((row, self._new_lead(row, new_leads)))
            elif "lead_external_id" in f:
                reason = "no lead has this external id (import the leads first, or add email)"
                row.problems.append(Problem("lead_external_id", f["lead_external_id"], reason))
            else:
                resolved.append((row, None))
        if write:
            self._insert_leads(list(dict.fromkeys(new_leads.values())))
            self._insert_activities(resolved)

    def _new_lead(self, row: ParsedRow, new_leads: dict[tuple[str, Any], NewLead]) -> NewLead:
        f = row.fields
        values = {"email": f["email"], "external_id": f.get("lead_external_id")}
        values.update((key, f[key]) for key in _UTM if key in f)
        values["created_at"] = values["stage_changed_at"] = f["occurred_at"]
        lead = NewLead(values)
        new_leads[("email", f["email"])] = lead
        if values["external_id"] is not None:
            new_leads[("lead_external_id", values["external_id"])] = lead
        return lead

    def _insert_leads(self, leads: list[NewLead]) -> None:
        if not leads:
            return
        defaults = new_lead_defaults(self._context)
        values = [lead.values for lead in leads]
        complete_leads(connection=self._connection, leads=values, context=self._context)
        names = list(dict.fromkeys([*defaults, *(key for lead in values for key in lead)]))
        rows = [{name: lead.get(name, defaults.get(name)) for name in names} for lead in values]
        for lead, lead_id in zip(
            leads, insert_returning_ids(self._connection, LEADS, rows), strict=True
        ):
            lead.id = lead_id
        self._remember(
            (column, lead.values[column], lead.id)
            for lead in leads
            for column in ("email", "external_id")
            if lead.values.get(column) is not None and lead.id is not None
        )
        self._context.summary.leads_created += len(leads)

    def _insert_activities(self, resolved: list[tuple[ParsedRow, int | NewLead | None]]) -> None:
        summary = self._context.summary
        received_at = self._context.now
        batch: dict[str, dict[str, Any]] = {}
        for row, lead in resolved:
            f = row.fields
            event_id = f.get("event_id") or event_digest(f, row.attributes)
            if event_id in batch:
                summary.duplicates += 1
                continue
            lead_id = lead.id if isinstance(lead, NewLead) else lead
            summary.anonymous += lead_id is None
            batch[event_id] = {
                "event_id": event_id,
                "lead_id": lead_id,
                "anonymous_id": f.get("anonymous_id"),
                "type": f["type"],
                "occurred_at": f["occurred_at"],
                "received_at": received_at,
                "properties": row.attributes,
                "source": f.get("source"),
                "medium": f.get("medium"),
                "campaign": f.get("campaign"),
                "content": f.get("content"),
                "term": f.get("term"),
            }
        stored = insert_rows(self._connection, TABLE, list(batch.values()), ignore_conflicts=True)
        summary.created += stored
        summary.duplicates += len(batch) - stored
