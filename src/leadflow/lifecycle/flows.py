"""The handoff: an MQL is routed to a rep, given a deadline and a brief, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from leadflow.config import Settings, load_settings
from leadflow.leads.models import Lead
from leadflow.lifecycle.brief import build_brief
from leadflow.lifecycle.models import ActorType, StageChange
from leadflow.lifecycle.service import mark_mql
from leadflow.routing.models import LeadAssignment
from leadflow.routing.service import assign, choose_owner
from leadflow.sla.clocks import start_clock
from leadflow.sla.models import SlaTimer
from leadflow.users.models import User


@dataclass(frozen=True)
class Handoff:
    """What a handoff did: the MQL change, the assignment and the SLA timer (if any)."""

    change: StageChange
    assignment: LeadAssignment | None
    timer: SlaTimer | None


def handoff(
    *,
    session: Session,
    lead: Lead,
    at: datetime | None = None,
    snapshot: dict[str, Any] | None = None,
    settings: Settings | None = None,
    actor_type: str = ActorType.RULE,
    actor: str | None = None,
    by: User | None = None,
) -> Handoff:
    """Make `lead` an MQL, route it, start its SLA clock; emit lead.mql and lead.assigned
    (or routing.unassigned), each carrying the brief. The scoring engine calls this."""
    settings = settings or load_settings()
    if actor is None and snapshot:
        actor = str(snapshot.get("model_version") or "") or None
    brief = build_brief(session=session, lead=lead, score_snapshot=snapshot)
    change = mark_mql(
        session=session,
        lead=lead,
        at=at,
        actor_type=actor_type,
        actor=actor,
        score_snapshot=snapshot,
        by=by,
        settings=settings,
        brief=brief,
    )
    assignment = None
    if settings.routing.enabled:
        decision = choose_owner(session=session, lead=lead, at=change.changed_at, settings=settings)
        assignment = assign(
            session=session,
            lead=lead,
            decision=decision,
            at=change.changed_at,
            settings=settings,
            brief=brief,
        )
    timer = start_clock(session=session, lead=lead, at=change.changed_at, settings=settings)
    return Handoff(change, assignment, timer)
