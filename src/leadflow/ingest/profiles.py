"""Lead profiles in: upsert by e-mail or external id, change by id, and anonymous history
joined on identify; each rescored at once, since fit and disqualify rules read the profile."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from leadflow.activities.models import Activity
from leadflow.config import Settings
from leadflow.errors import NotFoundError
from leadflow.importing.activities import ACTIVITY_SPEC
from leadflow.importing.context import ImportContext
from leadflow.importing.fields import ParsedRow, known_parser
from leadflow.importing.leads import LEAD_SPEC, WRITTEN, LeadImport, complete_leads
from leadflow.importing.plan import ColumnPlan
from leadflow.importing.report import ImportSummary
from leadflow.importing.service import record_types
from leadflow.ingest.errors import LeadConflict, RecordProblem, RecordsInvalid
from leadflow.ingest.events import WRITE_ATTEMPTS
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

_KEYS = (("email", Lead.email), ("external_id", Lead.external_id))


@dataclass(frozen=True)
class LeadWrite:
    """A lead after a profile write: whether it was created or changed, and the stage its
    new score moved it to, if any."""

    lead: Lead
    created: bool
    changed: bool
    moved_to: str | None


@dataclass(frozen=True)
class AnonymousLink:
    """An anonymous id joined to a lead: how many of its events moved onto the lead."""

    lead_id: int
    events_moved: int
    moved_to: str | None


def upsert_lead(
    *,
    session: Session,
    profile: Mapping[str, Any],
    settings: Settings,
    now: datetime | None = None,
) -> LeadWrite:
    """Create or update the lead `profile` names by `email` or `external_id`, and rescore it.

    `profile` holds lead fields named as import columns (`first_name`, `title`, `company`...)
    and custom values under `attributes`, read by the importer's rules; given values replace
    stored ones, missing or empty ones leave them as they are. RecordsInvalid names each bad
    field, and nothing is written.
    """
    now = now or utcnow()
    plan, row = _parse(session, profile, settings, required=True)
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            with session.begin_nested():
                summary = _upsert(session, plan, row, now, settings)
            break
        except IntegrityError:
            if attempt == WRITE_ATTEMPTS:
                raise
    keys = [column == row.fields[name] for name, column in _KEYS if name in row.fields]
    lead = next(iter(lock_leads(session, or_(*keys)).values()))
    created, changed = summary.created == 1, summary.updated == 1
    return LeadWrite(
        lead, created, changed, _rescore(session, lead, created or changed, now, settings)
    )


def update_lead(
    *,
    session: Session,
    lead: Lead,
    changes: Mapping[str, Any],
    settings: Settings,
    now: datetime | None = None,
) -> LeadWrite:
    """Change a lead's profile fields and custom `attributes` (the upsert's rules), and
    rescore it. LeadConflict if a new e-mail or external id belongs to another lead."""
    now = now or utcnow()
    plan, row = _parse(session, changes, settings, required=False)
    locked = lock_leads(session, Lead.id == lead.id).get(lead.id)
    if locked is None:
        raise NotFoundError(f"no lead with id {lead.id}")
    for name, column in _KEYS:
        value = row.fields.get(name)
        if value is not None and value != getattr(locked, name):
            other = session.scalar(select(Lead.id).where(column == value))
            if other is not None:
                raise LeadConflict(name, f"lead {other} already has {name} {value!r}")
    values: dict[str, Any] = {name: getattr(locked, name) for name in WRITTEN}
    values["attributes"] = dict(locked.attributes or {})
    changed = _merge(values, row)
    if changed and "email" in row.fields:
        context = _context(now, settings)
        complete_leads(connection=session.connection(), leads=[values], context=context)
    if changed:
        record_types(session.connection(), plan, LEAD_SPEC.entity, now)
        for name, value in values.items():
            setattr(locked, name, value)
        locked.updated_at = now
        session.flush()
    return LeadWrite(locked, False, changed, _rescore(session, locked, changed, now, settings))


def link_anonymous(
    *,
    session: Session,
    anonymous_id: str,
    lead_id: int,
    settings: Settings,
    now: datetime | None = None,
) -> AnonymousLink:
    """Move the anonymous id's events (those of no lead yet) onto the lead and rescore it;
    later events with only this anonymous id join the lead too. Linking again moves nothing."""
    now = now or utcnow()
    try:
        anonymous_id = known_parser(ACTIVITY_SPEC.fields["anonymous_id"], UTC)(anonymous_id)
    except ValueError as exc:
        raise RecordsInvalid(
            "link", [RecordProblem(0, "anonymous_id", str(exc))], single=True
        ) from None
    lead = lock_leads(session, Lead.id == lead_id).get(lead_id)
    if lead is None:
        raise NotFoundError(f"no lead with id {lead_id}")
    orphans = select(Activity).where(
        Activity.anonymous_id == anonymous_id, Activity.lead_id.is_(None)
    )
    activities = list(session.scalars(orphans.order_by(Activity.id)))
    for activity in activities:
        activity.lead_id = lead.id
    session.flush()
    rescored = rescore_touched(
        session=session, touched={lead.id: activities}, at=now, settings=settings
    )
    moved_to = rescored[lead.id].moved_to if lead.id in rescored else None
    return AnonymousLink(lead.id, len(activities), moved_to)


def _parse(
    session: Session, record: Mapping[str, Any], settings: Settings, *, required: bool
) -> tuple[ColumnPlan, ParsedRow]:
    plan = request_plan(session.connection(), LEAD_SPEC, settings_zone(settings))
    rows, problems = RecordReader(plan, "attributes", required=required).parse([record])
    if problems:
        raise RecordsInvalid("lead", problems, single=True)
    return plan, rows[0]


def _context(now: datetime, settings: Settings) -> ImportContext:
    summary = ImportSummary(kind="leads", file=REQUEST_LABEL)
    return ImportContext(now=now, rules=domain_rules(settings), summary=summary)


def _upsert(
    session: Session, plan: ColumnPlan, row: ParsedRow, now: datetime, settings: Settings
) -> ImportSummary:
    row.problems.clear()
    if session.get_bind().dialect.name == "postgresql":
        keys = [column == row.fields[name] for name, column in _KEYS if name in row.fields]
        lock_leads(session, or_(*keys))
    connection = session.connection()
    context = _context(now, settings)
    record_types(connection, plan, LEAD_SPEC.entity, now)
    LeadImport(connection=connection, context=context).apply([row], write=True)
    if row.problems:
        problems = [RecordProblem(0, p.column or "email", p.reason) for p in row.problems]
        raise RecordsInvalid("lead", problems, single=True)
    return context.summary


def _merge(values: dict[str, Any], row: ParsedRow) -> bool:
    changed = False
    for name, value in row.fields.items():
        if values.get(name) != value:
            values[name] = value
            changed = True
    attributes = values["attributes"]
    for name, value in row.attributes.items():
        if attributes.get(name) != value:
            attributes[name] = value
            changed = True
    return changed


def _rescore(
    session: Session, lead: Lead, changed: bool, now: datetime, settings: Settings
) -> str | None:
    if not changed:
        return None
    rescored = rescore_touched(session=session, touched={lead.id: []}, at=now, settings=settings)
    return rescored[lead.id].moved_to if lead.id in rescored else None
