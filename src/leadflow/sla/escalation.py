"""What happens when a deadline passes: mark the breach, then pass the lead on or tell the
manager, as the stage's policy says."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.config import Settings
from leadflow.leads.models import Lead
from leadflow.lifecycle.brief import build_brief
from leadflow.routing.models import AssignmentMethod
from leadflow.routing.service import assign, choose_owner
from leadflow.sla.clocks import policy_for, start_clock, timer_payload
from leadflow.sla.models import SlaTimer, TimerStatus
from leadflow.users.models import User
from leadflow.webhooks.outbox import emit


def manager_for(session: Session, settings: Settings, timer: SlaTimer) -> User | None:
    """Who hears about a breach: the team's configured manager, else the owner's manager."""
    team = settings.routing.teams.get(timer.team) if timer.team else None
    if team is not None and team.manager:
        found = session.scalars(select(User).where(User.email == team.manager.lower())).first()
        if found is not None and found.active:
            return found
    owner = session.get(User, timer.owner_id) if timer.owner_id else None
    manager = session.get(User, owner.manager_id) if owner and owner.manager_id else None
    return manager if manager is not None and manager.active else None


def _stage_owners(session: Session, timer: SlaTimer) -> tuple[set[int], int]:
    timers = session.scalars(
        select(SlaTimer).where(
            SlaTimer.lead_id == timer.lead_id,
            SlaTimer.cycle == timer.cycle,
            SlaTimer.stage == timer.stage,
        )
    ).all()
    owners = {t.owner_id for t in timers if t.owner_id is not None}
    return owners, sum(1 for t in timers if t.escalation == "reassigned")


def _pass_on(
    session: Session, timer: SlaTimer, lead: Lead, now: datetime, settings: Settings, actor: str
) -> User | None:
    excluded, passed = _stage_owners(session, timer)
    if lead.owner_id is not None:
        excluded.add(lead.owner_id)
    policy = policy_for(settings, timer.stage)
    if policy is None or passed >= policy.max_reassignments:
        return None
    decision = choose_owner(session=session, lead=lead, at=now, settings=settings, exclude=excluded)
    if decision.owner is None:
        return None
    assign(
        session=session,
        lead=lead,
        decision=decision,
        at=now,
        settings=settings,
        actor=actor,
        method=AssignmentMethod.ESCALATION,
        brief=build_brief(session=session, lead=lead),
    )
    start_clock(session=session, lead=lead, at=now, settings=settings)
    return decision.owner


def handle_breach(
    *, session: Session, timer: SlaTimer, lead: Lead, now: datetime, settings: Settings, actor: str
) -> str:
    """Breach one claimed timer and escalate it; returns what was done (reassigned, manager,
    none, or closed when the lead had already left the stage)."""
    if lead.stage != timer.stage or lead.cycle != timer.cycle:
        left_at = max(lead.stage_changed_at, timer.started_at)
        timer.closed_at = left_at
        timer.status = TimerStatus.MET if left_at <= timer.due_at else TimerStatus.BREACHED
        return "closed"
    timer.status, timer.breached_at = TimerStatus.BREACHED, timer.due_at
    emit(
        session=session,
        event_type="sla.breached",
        lead_id=lead.id,
        occurred_at=now,
        data=timer_payload(timer) | {"escalated": True},
    )
    policy = policy_for(settings, timer.stage)
    mode = policy.escalate if policy else "none"
    target: User | None = None
    if mode == "next_rep":
        target = _pass_on(session, timer, lead, now, settings, actor)
        if target is not None:
            timer.escalation = "reassigned"
    if target is None and mode in ("next_rep", "manager"):
        target = manager_for(session, settings, timer)
        timer.escalation = "manager" if target is not None else "none"
    timer.escalation = timer.escalation or "none"
    timer.escalated_to_id = target.id if target is not None else None
    if target is not None:
        emit(
            session=session,
            event_type="sla.escalated",
            lead_id=lead.id,
            occurred_at=now,
            data=timer_payload(timer)
            | {
                "action": timer.escalation,
                "escalated_to_id": target.id,
                "escalated_to_email": target.email,
                "lead_owner_id": lead.owner_id,
            },
        )
    session.flush()
    return timer.escalation
