"""Storing events: checked as import rows, idempotent by event id, leads rescored at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from leadflow.activities.models import ACTIVITY_LEAD_KEYS, Activity
from leadflow.config import Settings
from leadflow.importing.activities import ACTIVITY_SPEC, ActivityImport, event_digest
from leadflow.importing.context import ImportContext
from leadflow.importing.fields import ParsedRow
from leadflow.importing.plan import ColumnPlan
from leadflow.importing.report import ImportSummary
from leadflow.importing.service import record_types
from leadflow.importing.upsert import LOOKUP_BATCH
from leadflow.ingest.errors import RecordProblem, RecordsInvalid
from leadflow.ingest.records import (
    REQUEST_LABEL,
    RecordReader,
    domain_rules,
    request_plan,
    settings_zone,
)
from leadflow.ingest.rescoring import lock_leads, rescore_touched
from leadflow.leads.models import Lead
from leadflow.storage.base import utcnow

# A write that lost a race (the same new lead or event id stored by a concurrent request)
# is redone from a savepoint; the second try sees the winner's rows.
WRITE_ATTEMPTS = 3

EventStatus = Literal["stored", "duplicate"]


@dataclass(frozen=True)
class EventOutcome:
    """What became of one event: stored, or a duplicate of one stored before (or earlier in
    the same request); the lead it belongs to, None while anonymous."""

    index: int
    event_id: str
    status: EventStatus
    lead_id: int | None


@dataclass(frozen=True)
class IngestResult:
    """Per-event outcomes, in request order, and the leads whose new events were stored."""

    events: tuple[EventOutcome, ...]
    lead_ids: tuple[int, ...]  # ascending; each rescored when a model is active
    leads_created: int = 0
    moved: Mapping[int, str] = field(default_factory=dict)  # lead id -> stage it moved to

    @property
    def stored(self) -> int:
        """How many events were new."""
        return sum(outcome.status == "stored" for outcome in self.events)

    @property
    def duplicates(self) -> int:
        """How many events had been stored before."""
        return len(self.events) - self.stored


class _LostRace(Exception):
    """A concurrent request stored one of these event ids first."""


def ingest_events(
    *,
    session: Session,
    events: Sequence[Mapping[str, Any]],
    settings: Settings,
    now: datetime | None = None,
) -> IngestResult:
    """Store the new events and rescore every lead they touch, in the session's transaction.

    Each event is a mapping of activity fields, named as import columns (`type`,
    `occurred_at`, `event_id`, `email` / `lead_external_id` / `lead_id` or `anonymous_id`,
    `source`, `medium`, `campaign`, `content`, `term`) plus `properties`. All or nothing:
    RecordsInvalid names every bad event by index and field, and nothing is written. An
    event without `event_id` gets the import's content digest. An unknown e-mail creates its
    lead; an anonymous id that was linked to a lead joins new events to that lead. On SQLite
    the session should be a write session (`storage.database.write_transaction`).
    """
    now = now or utcnow()
    if not events:
        return IngestResult(events=(), lead_ids=())
    connection = session.connection()
    plan = request_plan(connection, ACTIVITY_SPEC, settings_zone(settings))
    rows, problems = RecordReader(plan, "properties").parse(events)
    if problems:
        raise RecordsInvalid("event", problems)
    event_ids = [_event_id(row) for row in rows]
    _join_linked_anonymous(connection, rows)
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            with session.begin_nested():
                fresh, created = _store(session, plan, rows, event_ids, now, settings)
            break
        except (IntegrityError, _LostRace):
            if attempt == WRITE_ATTEMPTS:
                raise
    stored = {activity.event_id: activity for activity in _activities(session, event_ids)}
    outcomes = []
    touched: dict[int, list[Activity]] = {}
    for index, event_id in enumerate(event_ids):
        activity = stored[event_id]
        status: EventStatus = "stored" if fresh.pop(event_id, None) else "duplicate"
        if status == "stored" and activity.lead_id is not None:
            touched.setdefault(activity.lead_id, []).append(activity)
        outcomes.append(EventOutcome(index, event_id, status, activity.lead_id))
    rescored = rescore_touched(session=session, touched=touched, at=now, settings=settings)
    return IngestResult(
        events=tuple(outcomes),
        lead_ids=tuple(sorted(touched)),
        leads_created=created,
        moved={i: r.moved_to for i, r in rescored.items() if r.moved_to is not None},
    )


def _event_id(row: ParsedRow) -> str:
    event_id: str = row.fields.get("event_id") or event_digest(row.fields, row.attributes)
    row.fields["event_id"] = event_id
    return event_id


def _join_linked_anonymous(connection: Connection, rows: list[ParsedRow]) -> None:
    """Give anonymous events the lead their anonymous id was linked to, if any (the newest
    link wins). After the event ids are fixed: linking never changes an event's id."""
    anonymous = [
        row
        for row in rows
        if "anonymous_id" in row.fields and not any(k in row.fields for k in ACTIVITY_LEAD_KEYS)
    ]
    wanted = list({row.fields["anonymous_id"] for row in anonymous})
    linked: dict[str, tuple[int, int]] = {}  # anonymous id -> (newest activity id, lead id)
    for start in range(0, len(wanted), LOOKUP_BATCH):
        statement = (
            select(Activity.anonymous_id, Activity.lead_id, func.max(Activity.id))
            .where(
                Activity.anonymous_id.in_(wanted[start : start + LOOKUP_BATCH]),
                Activity.lead_id.is_not(None),
            )
            .group_by(Activity.anonymous_id, Activity.lead_id)
        )
        for anonymous_id, lead_id, newest in connection.execute(statement):
            if (
                anonymous_id is not None
                and lead_id is not None
                and newest > linked.get(anonymous_id, (0, 0))[0]
            ):
                linked[anonymous_id] = (newest, lead_id)
    for row in anonymous:
        link = linked.get(row.fields["anonymous_id"])
        if link is not None:
            row.fields["lead_id"] = link[1]


def _store(
    session: Session,
    plan: ColumnPlan,
    rows: list[ParsedRow],
    event_ids: list[str],
    now: datetime,
    settings: Settings,
) -> tuple[dict[str, bool], int]:
    """Write the events not stored yet; the new event ids and how many leads were created."""
    connection = session.connection()
    for row in rows:
        row.problems.clear()
    _lock_named_leads(session, rows)
    existing = _existing(connection, event_ids)
    context = ImportContext(
        now=now,
        rules=domain_rules(settings),
        summary=ImportSummary(kind="activities", file=REQUEST_LABEL),
    )
    record_types(connection, plan, ACTIVITY_SPEC.entity, now)
    ActivityImport(connection=connection, context=context).apply(rows, write=True)
    problems = [
        RecordProblem(row.number, problem.column or _lead_key(row), problem.reason)
        for row in rows
        for problem in row.problems
    ]
    if problems:
        raise RecordsInvalid("event", problems)
    fresh = {event_id: True for event_id in event_ids if event_id not in existing}
    if context.summary.created != len(fresh):
        raise _LostRace
    return fresh, context.summary.leads_created


def _lead_key(row: ParsedRow) -> str:
    return next((key for key in ACTIVITY_LEAD_KEYS if key in row.fields), "email")


def _lock_named_leads(session: Session, rows: list[ParsedRow]) -> None:
    """Lock the stored leads the events name before reading what they have (PostgreSQL)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    named = {
        key: {row.fields[key] for row in rows if key in row.fields} for key in ACTIVITY_LEAD_KEYS
    }
    conditions = [
        column.in_(named[key])
        for key, column in (
            ("lead_id", Lead.id),
            ("email", Lead.email),
            ("lead_external_id", Lead.external_id),
        )
        if named[key]
    ]
    if conditions:
        lock_leads(session, or_(*conditions))


def _existing(connection: Connection, event_ids: list[str]) -> set[str]:
    wanted = list(set(event_ids))
    found: set[str] = set()
    for start in range(0, len(wanted), LOOKUP_BATCH):
        batch = wanted[start : start + LOOKUP_BATCH]
        found.update(
            connection.scalars(select(Activity.event_id).where(Activity.event_id.in_(batch)))
        )
    return found


def _activities(session: Session, event_ids: list[str]) -> list[Activity]:
    wanted = list(set(event_ids))
    found: list[Activity] = []
    for start in range(0, len(wanted), LOOKUP_BATCH):
        batch = wanted[start : start + LOOKUP_BATCH]
        found.extend(session.scalars(select(Activity).where(Activity.event_id.in_(batch))))
    return found
