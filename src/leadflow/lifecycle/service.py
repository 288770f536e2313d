"""Stage changes people and rules make: MQL, accept, reject, qualify, disqualify.

Each function checks the move and the actor, records a history row, emits its webhook event
and starts or stops SLA clocks, all in the caller's transaction (roll back on error).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from leadflow.config import Settings, load_settings
from leadflow.errors import InvalidInputError
from leadflow.leads.models import Lead
from leadflow.lifecycle.actors import Actor
from leadflow.lifecycle.brief import build_brief
from leadflow.lifecycle.config import EVIDENCE_KINDS
from leadflow.lifecycle.models import ActorType, QualificationEvidence, StageChange
from leadflow.lifecycle.stages import IllegalTransition, StageMachine
from leadflow.lifecycle.transitions import change_stage
from leadflow.routing.models import AssignmentMethod
from leadflow.routing.service import RoutingDecision, assign
from leadflow.sla.clocks import start_clock
from leadflow.users.models import Role, User


def mark_mql(
    *,
    session: Session,
    lead: Lead,
    at: datetime | None = None,
    actor_type: str = ActorType.RULE,
    actor: str | None = None,
    score_snapshot: dict[str, Any] | None = None,
    by: User | None = None,
    settings: Settings | None = None,
    brief: dict[str, Any] | None = None,
) -> StageChange:
    """lead or nurture -> mql (from nurture: a new cycle); no routing, see flows.handoff.
    `brief` is the handoff brief when the caller has built it already."""
    settings = settings or load_settings()
    machine = StageMachine(settings.lifecycle)
    who = Actor.of(by=by) if by is not None else Actor(actor_type, actor)
    return change_stage(
        session=session,
        lead=lead,
        to_stage=machine.name("mql"),
        verb="mql",
        actor=who,
        event_type="lead.mql",
        at=at,
        settings=settings,
        score_snapshot=score_snapshot,
        event_data={
            "brief": brief or build_brief(session=session, lead=lead, score_snapshot=score_snapshot)
        },
        clock=False,
    )


def accept_lead(
    *,
    session: Session,
    lead: Lead,
    by: User | None = None,
    via: str | None = None,
    at: datetime | None = None,
    settings: Settings | None = None,
    score_snapshot: dict[str, Any] | None = None,
) -> StageChange:
    """mql -> sal; a rep accepting an unowned lead from the queue becomes its owner."""
    settings = settings or load_settings()
    machine = StageMachine(settings.lifecycle)
    if "sal" in settings.lifecycle.skip:
        raise IllegalTransition(
            f"lead {lead.id}: this deployment skips '{machine.name('sal')}', so there is "
            f"nothing to accept; {machine.describe_moves(lead.stage)}"
        )
    change = change_stage(
        session=session,
        lead=lead,
        to_stage=machine.name("sal"),
        verb="accept",
        actor=Actor.of(by=by, via=via),
        event_type="lead.accepted",
        at=at,
        settings=settings,
        score_snapshot=score_snapshot,
        clock=False,
    )
    if by is not None and by.role == Role.SALES and lead.owner_id is None:
        decision = RoutingDecision(by, by.team, AssignmentMethod.CLAIMED, f"claimed by {by.email}")
        assign(
            session=session,
            lead=lead,
            decision=decision,
            at=change.changed_at,
            settings=settings,
            actor=by.email,
        )
    start_clock(session=session, lead=lead, at=change.changed_at, settings=settings)
    return change


def reject_lead(
    *,
    session: Session,
    lead: Lead,
    reason: str,
    by: User | None = None,
    via: str | None = None,
    at: datetime | None = None,
    settings: Settings | None = None,
    score_snapshot: dict[str, Any] | None = None,
) -> StageChange:
    """Back to nurture with a configured reason: `lead.rejected` from mql, else `lead.nurtured`."""
    settings = settings or load_settings()
    machine = StageMachine(settings.lifecycle)
    event = "lead.rejected" if lead.stage == machine.name("mql") else "lead.nurtured"
    return change_stage(
        session=session,
        lead=lead,
        to_stage=machine.name("nurture"),
        verb="reject",
        actor=Actor.of(by=by, via=via),
        event_type=event,
        at=at,
        settings=settings,
        reason=reason,
        score_snapshot=score_snapshot,
    )


def qualify_lead(
    *,
    session: Session,
    lead: Lead,
    evidence: Mapping[str, str | None],
    by: User | None = None,
    via: str | None = None,
    at: datetime | None = None,
    settings: Settings | None = None,
    score_snapshot: dict[str, Any] | None = None,
) -> StageChange:
    """-> sql, on the configured evidence (need, budget, authority, timeline)."""
    unknown = sorted(set(evidence) - set(EVIDENCE_KINDS))
    if unknown:
        raise InvalidInputError(
            f"evidence: unknown kind {', '.join(unknown)}; use {', '.join(EVIDENCE_KINDS)}"
        )
    settings = settings or load_settings()
    machine = StageMachine(settings.lifecycle)
    given = {k: (v or "").strip() or None for k, v in evidence.items()}
    actor = Actor.of(by=by, via=via)
    change = change_stage(
        session=session,
        lead=lead,
        to_stage=machine.name("sql"),
        verb="qualify",
        actor=actor,
        event_type="lead.sql",
        at=at,
        settings=settings,
        evidence=given,
        score_snapshot=score_snapshot,
        event_data={"evidence": given},
    )
    session.add(
        QualificationEvidence(
            lead_id=lead.id,
            cycle=lead.cycle,
            stage_change_id=change.id,
            recorded_by=actor.name,
            recorded_at=change.changed_at,
            **{k: given.get(k) for k in EVIDENCE_KINDS},
        )
    )
    session.flush()
    return change


def disqualify_lead(
    *,
    session: Session,
    lead: Lead,
    reason: str,
    by: User | None = None,
    via: str | None = None,
    at: datetime | None = None,
    settings: Settings | None = None,
    score_snapshot: dict[str, Any] | None = None,
) -> StageChange:
    """-> disqualified, with a configured reason; final."""
    settings = settings or load_settings()
    return change_stage(
        session=session,
        lead=lead,
        to_stage=StageMachine(settings.lifecycle).name("disqualified"),
        verb="disqualify",
        actor=Actor.of(by=by, via=via),
        event_type="lead.disqualified",
        at=at,
        settings=settings,
        reason=reason,
        score_snapshot=score_snapshot,
    )


def disqualify_by_rule(
    *,
    session: Session,
    lead: Lead,
    rule: str,
    model_version: str,
    at: datetime | None = None,
    settings: Settings | None = None,
    score_snapshot: dict[str, Any] | None = None,
) -> StageChange:
    """-> disqualified by a scoring model's disqualify rule; the rule's name is the reason."""
    settings = settings or load_settings()
    return change_stage(
        session=session,
        lead=lead,
        to_stage=StageMachine(settings.lifecycle).name("disqualified"),
        verb="disqualify",
        actor=Actor(ActorType.MODEL, model_version),
        event_type="lead.disqualified",
        at=at,
        settings=settings,
        reason=rule,
        score_snapshot=score_snapshot,
        any_reason=True,
    )
