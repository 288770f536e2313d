"""Replaying stored history through the real-time path, as if every event arrived live.

For a store filled in bulk (the demo world, a migration from another tool): each lead's
events are absorbed in time order and the lead is scored after each one, so it becomes an
MQL (or is disqualified) at the event that made it so, not at the time of the replay. Leads
are read in chunks (bounded memory); the stage moves are then applied in time order, so
routing sees the handoffs in the order they happened.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from leadflow.activities.models import Activity
from leadflow.config import Settings
from leadflow.leads.models import Lead
from leadflow.scoring.facts import event_of, lead_attributes
from leadflow.scoring.model import ScoringModel
from leadflow.scoring.realtime import save_score
from leadflow.scoring.scorer import LeadScore
from leadflow.scoring.state import LeadState
from leadflow.scoring.transitions import apply_transitions
from leadflow.storage.database import session_factory

CHUNK_LEADS = 2_000


@dataclass(frozen=True)
class ReplaySummary:
    """What a replay found and did."""

    leads: int
    events: int
    became_mql: int
    disqualified: int
    seconds: float


@dataclass(frozen=True)
class _Moment:
    at: datetime
    lead_id: int
    score: LeadScore


def replay_history(
    *,
    engine: Engine,
    model: ScoringModel,
    until: datetime,
    settings: Settings,
    progress: Callable[[int], None] | None = None,
    before_move: Callable[[datetime], None] | None = None,
) -> ReplaySummary:
    """Score every lead event by event up to `until`; save final scores; move stages.
    `before_move(at)` runs before each stage move, so a simulation can catch up to `at`."""
    started = time.perf_counter()
    moments: list[_Moment] = []
    leads = events = 0
    factory = session_factory(engine)
    for first, last in _id_ranges(engine):
        with factory.begin() as session:
            for lead, history in _chunk(session, first, last, until):
                attributes = lead_attributes(session=session, lead=lead)
                state, first_move = _replay_lead(model, attributes, history)
                state = state.advance(until)
                final = state.score(attributes, at=until)
                save_score(session=session, lead_id=lead.id, score=final, as_of=until, state=state)
                if first_move is not None:
                    at = max(first_move[0], lead.stage_changed_at)
                    moments.append(_Moment(at, lead.id, first_move[1]))
                leads += 1
                events += len(history)
        if progress:
            progress(leads)
    moved = {"mql": 0, "disqualified": 0}
    for moment in sorted(moments, key=lambda m: (m.at, m.lead_id)):
        if before_move is not None:
            before_move(moment.at)
        with factory.begin() as session:
            moving = session.get(Lead, moment.lead_id)
            assert moving is not None
            apply_transitions(
                session=session, lead=moving, score=moment.score, at=moment.at, settings=settings
            )
            kind = "disqualified" if moment.score.disqualified_by else "mql"
            moved[kind] += 1
    return ReplaySummary(
        leads=leads,
        events=events,
        became_mql=moved["mql"],
        disqualified=moved["disqualified"],
        seconds=time.perf_counter() - started,
    )


def _replay_lead(
    model: ScoringModel, attributes: dict[str, Any], history: list[Activity]
) -> tuple[LeadState, tuple[datetime, LeadScore] | None]:
    """The lead's state after its history, and the first event after which it moved."""
    state = LeadState.empty(model)
    moment = None
    for activity in history:  # oldest first: time only moves forward
        # Moving time first makes the event "late", so it is absorbed directly.
        state = state.advance(activity.occurred_at).absorb(event_of(activity))
        if moment is None:
            # Attributes do not change during a replay: the state's memo keeps the fit.
            score = state.score(attributes, at=activity.occurred_at)
            if score.disqualified_by is not None or score.is_mql:
                moment = (activity.occurred_at, score)
    return state, moment


def _id_ranges(engine: Engine) -> Iterator[tuple[int, int]]:
    with session_factory(engine)() as session:
        low, high = session.execute(select(func.min(Lead.id), func.max(Lead.id))).one()
    if low is None:
        return
    for first in range(low, high + 1, CHUNK_LEADS):
        yield first, min(first + CHUNK_LEADS - 1, high)


def _chunk(
    session: Session, first: int, last: int, until: datetime
) -> Iterator[tuple[Lead, list[Activity]]]:
    leads = session.scalars(select(Lead).where(Lead.id.between(first, last)).order_by(Lead.id))
    activities = session.scalars(
        select(Activity)
        .where(Activity.lead_id.between(first, last), Activity.occurred_at <= until)
        .order_by(Activity.lead_id, Activity.occurred_at, Activity.event_id)
    )
    by_lead = {lead_id: list(group) for lead_id, group in groupby(activities, lambda a: a.lead_id)}
    for lead in leads:
        yield lead, by_lead.get(lead.id, [])


def first_moves(
    *, engine: Engine, model: ScoringModel, until: datetime
) -> Iterator[tuple[int, datetime, LeadScore]]:
    """Each lead `model` would have moved (MQL or disqualified) by `until`: its id, the time
    of the event that did it, and the score then. Read only: nothing is saved or moved."""
    factory = session_factory(engine)
    for first, last in _id_ranges(engine):
        with factory() as session:
            for lead, history in _chunk(session, first, last, until):
                attributes = lead_attributes(session=session, lead=lead)
                _, moment = _replay_lead(model, attributes, history)
                if moment is not None:
                    yield lead.id, moment[0], moment[1]
