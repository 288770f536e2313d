"""Importing activities: idempotent by event id, each joined to its lead (or kept anonymous)."""

from __future__ import annotations

import hashlib
import json
from typing import Any, cast

from sqlalchemy import Connection, Table

from leadflow.activities.models import ACTIVITY_FIELDS, ACTIVITY_LEAD_KEYS, Activity
from leadflow.importing.activity_leads import KnownLeads, LeadResolver, NewLead, Resolved
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
from leadflow.storage.bulk import insert_rows

TABLE = cast(Table, Activity.__table__)
_TEXT = tuple(name for name in ACTIVITY_FIELDS if name != "occurred_at")
DIGEST_LENGTH = 40

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
# Who an event without an id happened to, strongest key first.
IDENTITIES = ("email", "lead_external_id", "lead_id", "anonymous_id")


def event_digest(fields: dict[str, Any], properties: dict[str, Any]) -> str:
    """The id of an event sent without one: who, what, when (UTC) and its properties."""
    for key in IDENTITIES:
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
        self.connection = connection
        self.context = context
        self.known = KnownLeads(connection)

    def apply(self, rows: list[ParsedRow], *, write: bool) -> None:
        """Resolve each good row's lead; insert the chunk's activities when `write`."""
        good = [row for row in rows if not row.problems]
        keys = ("email", "lead_external_id", "lead_id")
        resolver = LeadResolver(
            self.known, {key: [row.fields.get(key) for row in good] for key in keys}
        )
        resolved: list[tuple[ParsedRow, Resolved]] = []
        for row in good:
            lead = resolver.resolve(row.fields)
            if isinstance(lead, Problem):
                row.problems.append(lead)
            else:
                resolved.append((row, lead))
        if write:
            self.insert_leads(resolver.created())
            self._insert_activities(resolved)

    def insert_leads(self, leads: list[NewLead]) -> None:
        """Insert the new leads of a chunk, completed (domain, account), and note their ids."""
        if not leads:
            return
        defaults = new_lead_defaults(self.context)
        values = [lead.values for lead in leads]
        complete_leads(connection=self.connection, leads=values, context=self.context)
        names = list(dict.fromkeys([*defaults, *(key for lead in values for key in lead)]))
        rows = [{name: lead.get(name, defaults.get(name)) for name in names} for lead in values]
        insert_rows(self.connection, LEADS, rows)
        # E-mail is unique and every new lead has one: one lookup per thousand leads, where
        # SQLite would return new ids one insert at a time.
        emails = [lead["email"] for lead in values]
        found = rows_where_in(self.connection, LEADS, "email", emails, ("id", "email"))
        ids = {row["email"]: row["id"] for row in found}
        for lead in leads:
            lead.id = ids[lead.values["email"]]
        self.known.remember(
            (column, lead.values[column], lead.id)
            for lead in leads
            for column in ("email", "external_id")
            if lead.values.get(column) is not None and lead.id is not None
        )
        self.context.summary.leads_created += len(leads)

    def _insert_activities(self, resolved: list[tuple[ParsedRow, Resolved]]) -> None:
        summary = self.context.summary
        received_at = self.context.now
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
        stored = insert_rows(self.connection, TABLE, list(batch.values()), ignore_conflicts=True)
        summary.created += stored
        summary.duplicates += len(batch) - stored
