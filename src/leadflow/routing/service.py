"""Choosing an MQL's rep and recording the assignment.

Order: continuity (the lead's previous owner, then its account's owner, if available), then
the reps whose territory matches most specifically, least recently assigned first among those
with spare capacity and not out of office; else the team's queue.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from leadflow.accounts.models import Account
from leadflow.config import Settings
from leadflow.leads.models import Lead
from leadflow.lifecycle.stages import StageMachine
from leadflow.routing.models import AssignmentMethod, LeadAssignment
from leadflow.routing.territory import lead_facts, specificity
from leadflow.users.models import Role, User
from leadflow.webhooks.outbox import emit

_CONTINUITY_ROLES = (Role.SALES, Role.MANAGER)
# PostgreSQL advisory lock key held while routing ("lfrt").
ROUTING_LOCK = 0x6C667274


@dataclass(frozen=True)
class RoutingDecision:
    """Who gets a lead (None: the team queue), from which team, and why."""

    owner: User | None
    team: str | None
    method: AssignmentMethod
    note: str


def is_available(user: User, at: datetime) -> bool:
    """Active and not out of office at `at`."""
    return user.active and (user.out_of_office_until is None or user.out_of_office_until <= at)


def team_for(settings: Settings, facts: dict[str, Any]) -> str | None:
    """The first team whose territory the lead matches, else the default team."""
    fields = settings.routing.territory_fields
    for name, team in settings.routing.teams.items():
        if team.territory and specificity(team.territory, facts, fields) is not None:
            return name
    return settings.routing.default_team


def open_load(session: Session, user_ids: Collection[int], machine: StageMachine) -> dict[int, int]:
    """Open MQLs per rep: owned leads in the stages awaiting sales (mql, sal)."""
    rows = session.execute(
        select(Lead.owner_id, func.count())
        .where(Lead.owner_id.in_(user_ids), Lead.stage.in_(machine.awaiting_sales))
        .group_by(Lead.owner_id)
    ).all()
    return {owner: count for owner, count in rows if owner is not None}


def _last_assignment(session: Session, user_ids: Collection[int]) -> dict[int, int]:
    rows = session.execute(
        select(LeadAssignment.user_id, func.max(LeadAssignment.id))
        .where(LeadAssignment.user_id.in_(user_ids))
        .group_by(LeadAssignment.user_id)
    ).all()
    return {user: last for user, last in rows if user is not None}


def _continuity(
    session: Session, lead: Lead, account: Account | None, at: datetime, exclude: Collection[int]
) -> RoutingDecision | None:
    candidates = [
        (lead.owner_id, AssignmentMethod.PREVIOUS_OWNER),
        (account.owner_id if account else None, AssignmentMethod.ACCOUNT_OWNER),
    ]
    for user_id, method in candidates:
        user = session.get(User, user_id) if user_id is not None else None
        if (
            user is not None
            and user.id not in exclude
            and user.role in _CONTINUITY_ROLES
            and is_available(user, at)
        ):
            return RoutingDecision(user, user.team, method, f"{method} {user.email}")
    return None


def _has_room(rep: User, load: dict[int, int]) -> bool:
    return rep.capacity is None or load.get(rep.id, 0) < rep.capacity


def choose_owner(
    *,
    session: Session,
    lead: Lead,
    at: datetime,
    settings: Settings,
    exclude: Collection[int] = (),
) -> RoutingDecision:
    """Decide who gets `lead` at `at`; reads only, except for row locks on the candidates."""
    config = settings.routing
    account = session.get(Account, lead.account_id) if lead.account_id else None
    if config.continuity:
        kept = _continuity(session, lead, account, at, exclude)
        if kept is not None:
            return kept
    facts = lead_facts(lead, account, config.territory_fields)
    team = team_for(settings, facts)
    query = select(User).where(User.role == Role.SALES, User.active.is_(True))
    if team is not None:
        query = query.where(User.team == team)
    if session.get_bind().dialect.name == "postgresql":
        # One lock for all routing until commit: concurrent workers see each other's
        # assignments, so round robin and capacity hold; a single lock cannot deadlock.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ROUTING_LOCK})
    reps = [r for r in session.scalars(query.order_by(User.id)).all() if r.id not in exclude]
    ranked: dict[int, list[User]] = {}
    for rep in reps:
        level = specificity(rep.territory or {}, facts, config.territory_fields)
        if level is not None:
            ranked.setdefault(level, []).append(rep)
    ids = [rep.id for rep in reps]
    load = open_load(session, ids, StageMachine(settings.lifecycle))
    last = _last_assignment(session, ids)
    for level in sorted(ranked, reverse=True):
        eligible = [
            rep
            for rep in ranked[level]
            if is_available(rep, at)
            and (rep.capacity is None or load.get(rep.id, 0) < rep.capacity)
        ]
        if eligible:
            rep = min(eligible, key=lambda r: (last.get(r.id, 0), r.id))
            method = AssignmentMethod.TERRITORY if level else AssignmentMethod.ROUND_ROBIN
            return RoutingDecision(rep, team, method, f"{method} {rep.email}")
    why = "no rep covers this lead" if not ranked else "every matching rep is full or away"
    return RoutingDecision(None, team, AssignmentMethod.QUEUE, why)


def assign(
    *,
    session: Session,
    lead: Lead,
    decision: RoutingDecision,
    at: datetime,
    settings: Settings,
    actor: str = "routing",
    method: AssignmentMethod | None = None,
    brief: dict[str, Any] | None = None,
) -> LeadAssignment:
    """Give the lead to the decided owner (or the queue), log it, and emit the event."""
    previous = lead.owner_id
    owner = decision.owner
    lead.owner_id = owner.id if owner else None
    record = LeadAssignment(
        lead_id=lead.id,
        cycle=lead.cycle,
        user_id=lead.owner_id,
        previous_user_id=previous,
        team=decision.team,
        method=method or decision.method,
        assigned_at=at,
        actor=actor,
    )
    session.add(record)
    account = session.get(Account, lead.account_id) if lead.account_id else None
    if owner and account and account.owner_id is None and settings.routing.claim_accounts:
        account.owner_id = owner.id
    session.flush()
    data: dict[str, Any] = {
        "lead_id": lead.id,
        "cycle": lead.cycle,
        "team": decision.team,
        "method": record.method,
        "note": decision.note,
        "previous_owner_id": previous,
    }
    if owner is not None:
        data |= {"owner_id": owner.id, "owner_email": owner.email, "owner_name": owner.name}
    if brief is not None:
        data["brief"] = brief
    event = "lead.assigned" if owner else "routing.unassigned"
    emit(session=session, event_type=event, data=data, lead_id=lead.id, occurred_at=at)
    return record
