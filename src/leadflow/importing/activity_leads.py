"""Which lead each imported activity belongs to: a stored lead, one the import creates, none."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from leadflow.importing.fields import Problem
from leadflow.importing.leads import TABLE as LEADS
from leadflow.importing.upsert import rows_where_in

KNOWN_LEADS_LIMIT = 200_000
_UTM = ("source", "medium", "campaign")
# The fields a row's lead is resolved from (and a new lead is made of).
RESOLVING_FIELDS = ("lead_id", "lead_external_id", "email", "occurred_at", *_UTM)


@dataclass(eq=False)
class NewLead:
    """A lead an activity brings in: its e-mail, first touch, and id once inserted."""

    values: dict[str, Any]
    id: int | None = field(default=None)


Resolved = int | NewLead | None


class KnownLeads:
    """Lead ids already looked up, by (column, value): activity files name the same leads
    again and again. Bounded: emptied when full."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._known: dict[tuple[str, Any], int] = {}

    def lookup(self, column: str, wanted: Iterable[Any]) -> dict[Any, int]:
        """The ids of the leads whose `column` is one of `wanted`, by value."""
        known = self._known
        wanted = set(wanted)
        wanted.discard(None)
        ids = {value: known[column, value] for value in wanted if (column, value) in known}
        missing = wanted.difference(ids)
        for row in rows_where_in(self._connection, LEADS, column, missing, ("id", column)):
            ids[row[column]] = row["id"]
        self.remember((column, value, lead_id) for value, lead_id in ids.items())
        return ids

    def remember(self, entries: Iterable[tuple[str, Any, int]]) -> None:
        """Keep these (column, value, lead id) for the next chunks."""
        if len(self._known) > KNOWN_LEADS_LIMIT:
            self._known.clear()
        for column, value, lead_id in entries:
            self._known[column, value] = lead_id


class LeadResolver:
    """Resolves the rows of one chunk: by lead_id, external id and e-mail, creating a new
    lead for an unknown e-mail (once, shared by every row of that e-mail)."""

    def __init__(self, known: KnownLeads, values: Mapping[str, Iterable[Any]]) -> None:
        self.by_email = known.lookup("email", values.get("email", ()))
        self.by_external = known.lookup("external_id", values.get("lead_external_id", ()))
        self.known_ids = set(known.lookup("id", values.get("lead_id", ())))
        self.new_leads: dict[tuple[str, Any], NewLead] = {}

    def resolve(self, f: Mapping[str, Any]) -> Resolved | Problem:
        """The lead of a row with these fields, or the problem that stops it."""
        hits: dict[str, int | NewLead] = {}
        if "lead_id" in f:
            if f["lead_id"] not in self.known_ids:
                return Problem("lead_id", f["lead_id"], "no lead has this id")
            hits["lead_id"] = f["lead_id"]
        for key, stored in (("lead_external_id", self.by_external), ("email", self.by_email)):
            if key in f:
                hit = stored.get(f[key]) or self.new_leads.get((key, f[key]))
                if hit is not None:
                    hits[key] = hit
        if len(set(hits.values())) > 1:
            named = ", ".join(f"{key} {f[key]!r}" for key in hits)
            return Problem(None, None, f"{named} belong to different leads")
        if hits:
            return next(iter(hits.values()))
        if "email" in f:
            return self._new_lead(f)
        if "lead_external_id" in f:
            reason = "no lead has this external id (import the leads first, or add email)"
            return Problem("lead_external_id", f["lead_external_id"], reason)
        return None

    def _new_lead(self, f: Mapping[str, Any]) -> NewLead:
        values = {"email": f["email"], "external_id": f.get("lead_external_id")}
        values.update((key, f[key]) for key in _UTM if key in f)
        values["created_at"] = values["stage_changed_at"] = f["occurred_at"]
        lead = NewLead(values)
        self.new_leads[("email", f["email"])] = lead
        if values["external_id"] is not None:
            self.new_leads[("lead_external_id", values["external_id"])] = lead
        return lead

    def created(self) -> list[NewLead]:
        """The new leads of the chunk, each once."""
        return list(dict.fromkeys(self.new_leads.values()))
