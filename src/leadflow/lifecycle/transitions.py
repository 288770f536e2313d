"""The one way a lead changes stage: checked, locked, recorded, announced, clocked."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from leadflow.config import Settings, load_settings
from leadflow.errors import InvalidInputError
from leadflow.leads.models import Lead
from leadflow.lifecycle.actors import Actor, check_may_act
from leadflow.lifecycle.history import last_snapshot
from leadflow.lifecycle.models import StageChange
from leadflow.lifecycle.stages import IllegalTransition, StageMachine
from leadflow.sla.clocks import start_clock, stop_clocks
from leadflow.storage.base import utcnow
from leadflow.webhooks.outbox import emit


def lock_lead(session: Session, lead: Lead) -> None:
    """Reload the lead, row-locked on PostgreSQL, so checks see what other workers wrote."""
    session.flush()
    locking = session.get_bind().dialect.name == "postgresql"
    session.refresh(lead, with_for_update=locking or None)


def change_time(lead: Lead, at: datetime | None) -> datetime:
    """The instant of a change: `at` or now, never before the lead's last change."""
    at = at or utcnow()
    if at.tzinfo is None:
        raise InvalidInputError(f"time {at.isoformat()} has no time zone")
    if at < lead.stage_changed_at:
        raise InvalidInputError(
            f"lead {lead.id}: a change at {at.isoformat()} would predate its last change "
            f"at {lead.stage_changed_at.isoformat()}"
        )
    return at


def change_stage(
    *,
    session: Session,
    lead: Lead,
    to_stage: str,
    verb: str,
    actor: Actor,
    event_type: str,
    at: datetime | None = None,
    settings: Settings | None = None,
    reason: str | None = None,
    evidence: Mapping[str, str | None] | None = None,
    amount: float | None = None,
    score_snapshot: dict[str, Any] | None = None,
    event_data: dict[str, Any] | None = None,
    clock: bool = True,
    any_reason: bool = False,
) -> StageChange:
    """Move `lead` to `to_stage` if the lifecycle and the actor's role allow it."""
    settings = settings or load_settings()
    machine = StageMachine(settings.lifecycle)
    lock_lead(session, lead)
    marketing_stages = (machine.name("lead"), machine.name("nurture"))
    check_may_act(actor=actor, lead=lead, verb=verb, marketing_stages=marketing_stages)
    at = change_time(lead, at)
    try:
        machine.check(
            lead.stage,
            to_stage,
            reason=reason,
            evidence=evidence,
            amount=amount,
            any_reason=any_reason,
        )
    except IllegalTransition as exc:
        raise IllegalTransition(f"lead {lead.id} is in stage '{lead.stage}': {exc}") from exc
    from_stage = lead.stage
    if machine.starts_new_cycle(from_stage, to_stage):
        lead.cycle += 1
    if score_snapshot is None:
        score_snapshot = last_snapshot(session, lead)
    lead.stage, lead.stage_changed_at = to_stage, at
    change = StageChange(
        lead_id=lead.id,
        cycle=lead.cycle,
        from_stage=from_stage,
        to_stage=to_stage,
        changed_at=at,
        actor_type=actor.type,
        actor=actor.name,
        reason=reason,
        score_snapshot=score_snapshot,
    )
    session.add(change)
    session.flush()
    stop_clocks(session=session, lead=lead, at=at)
    emit(
        session=session,
        event_type=event_type,
        lead_id=lead.id,
        occurred_at=at,
        data=change_payload(lead, change) | (event_data or {}),
    )
    if clock:
        start_clock(session=session, lead=lead, at=at, settings=settings)
    return change


def change_payload(lead: Lead, change: StageChange) -> dict[str, Any]:
    """The webhook view of a stage change."""
    return {
        "lead_id": lead.id,
        "email": lead.email,
        "cycle": change.cycle,
        "from_stage": change.from_stage,
        "to_stage": change.to_stage,
        "changed_at": change.changed_at.isoformat(),
        "actor_type": change.actor_type,
        "actor": change.actor,
        "reason": change.reason,
        "owner_id": lead.owner_id,
        "stage_change_id": change.id,
        "score": change.score_snapshot,
    }
