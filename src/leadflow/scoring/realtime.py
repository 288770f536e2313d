"""Real time: a lead's score updated the moment it does something, and the stage moves
that follow (junk disqualified, a qualified lead handed to sales).

Many leads are rescored together in a constant number of statements, whatever their
number: their saved states, attributes and (for leads without a state) histories are read
in one query each, scored in Python, and written back in one executemany. Only the leads
whose score disqualifies them or makes them an MQL go through the stage moves, one by one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Insert, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from leadflow.activities.models import Activity
from leadflow.config import Settings
from leadflow.importing.upsert import LOOKUP_BATCH
from leadflow.leads.models import Lead
from leadflow.predict.scoring import with_probabilities
from leadflow.scoring.facts import event_of, leads_attributes, leads_events
from leadflow.scoring.model import ScoringModel
from leadflow.scoring.models import ScoreRecord
from leadflow.scoring.scorer import LeadScore
from leadflow.scoring.state import LeadState
from leadflow.scoring.state_codec import decode_state, encode_state
from leadflow.scoring.transitions import apply_transitions
from leadflow.storage.base import utcnow

SCORES: Table = ScoreRecord.__table__  # type: ignore[assignment]
_KEY = ("lead_id", "model_version")


@dataclass(frozen=True)
class Rescored:
    """A lead's new score and the stage it moved to because of it, if any."""

    score: LeadScore
    moved_to: str | None


def rescore_lead(
    *,
    session: Session,
    lead: Lead,
    model: ScoringModel,
    new_activities: Sequence[Activity] = (),
    at: datetime | None = None,
    settings: Settings | None = None,
) -> Rescored:
    """Absorb the lead's new activities (already in the session) and score it at `at`;
    `rescore_leads` for one lead."""
    rescored = rescore_leads(
        session=session,
        leads=[lead],
        model=model,
        new_activities={lead.id: new_activities},
        at=at,
        settings=settings,
    )
    return rescored[lead.id]


def rescore_leads(
    *,
    session: Session,
    leads: Sequence[Lead],
    model: ScoringModel,
    new_activities: Mapping[int, Sequence[Activity]],
    at: datetime | None = None,
    settings: Settings | None = None,
) -> dict[int, Rescored]:
    """Absorb each lead's new activities (already in the session, by lead id) and score it
    at `at`, then make the stage moves that follow, in the order of `leads`.

    With a saved state a lead costs O(rules) whatever its history; with none (a new lead,
    or a model version activated since) its state is built once from the history. Time
    never moves back: `at` before a state's watermark scores that lead at the watermark.
    """
    at = at or utcnow()
    ids = [lead.id for lead in leads]
    saved = saved_states(session=session, model=model, lead_ids=ids)
    histories = leads_events(session=session, lead_ids=[i for i in ids if i not in saved])
    attributes = leads_attributes(session=session, leads=leads)
    times = {i: at if i not in saved else max(at, saved[i].watermark or at) for i in ids}
    with_probabilities(
        session=session,
        leads=leads,
        attributes=attributes,
        times=times,
        settings=settings,
    )
    scored: dict[int, tuple[LeadScore, datetime]] = {}
    rows = []
    for lead in leads:
        state = saved.get(lead.id)
        if state is None:
            state = LeadState.empty(model)
            for event in histories[lead.id]:
                state = state.absorb(event)
        else:
            for activity in new_activities.get(lead.id, ()):
                state = state.absorb(event_of(activity))
        lead_at = at if state.watermark is None else max(at, state.watermark)
        state = state.advance(lead_at)
        score = state.score(attributes[lead.id], at=lead_at)
        scored[lead.id] = (score, lead_at)
        rows.append(score_row(lead.id, score, as_of=lead_at, state=state))
    write_scores(session=session, rows=rows)
    results = {}
    for lead in leads:
        score, lead_at = scored[lead.id]
        moved_to = None
        # apply_transitions moves a lead only for these two; skipping the rest saves work.
        if score.disqualified_by is not None or score.is_mql:
            moved_to = apply_transitions(
                session=session, lead=lead, score=score, at=lead_at, settings=settings
            )
        results[lead.id] = Rescored(score=score, moved_to=moved_to)
    return results


def saved_states(
    *, session: Session, model: ScoringModel, lead_ids: Sequence[int]
) -> dict[int, LeadState]:
    """The saved real-time states of these leads under `model`, by lead id; a lead without
    one (never scored in real time, or under another model) is left out."""
    session.flush()  # the rows below are read past the session
    states = {}
    for start in range(0, len(lead_ids), LOOKUP_BATCH):
        statement = select(SCORES.c.lead_id, SCORES.c.state).where(
            SCORES.c.model_version == model.version,
            SCORES.c.lead_id.in_(lead_ids[start : start + LOOKUP_BATCH]),
            SCORES.c.state.is_not(None),
        )
        for lead_id, document in session.connection().execute(statement):
            state = decode_state(document, model) if document else None
            if state is not None:
                states[lead_id] = state
    return states


def save_score(
    *,
    session: Session,
    lead_id: int,
    score: LeadScore,
    as_of: datetime,
    state: LeadState | None,
) -> None:
    """Write a lead's score under its model version, replacing the previous one."""
    write_scores(session=session, rows=[score_row(lead_id, score, as_of=as_of, state=state)])


def score_row(
    lead_id: int, score: LeadScore, *, as_of: datetime, state: LeadState | None
) -> dict[str, Any]:
    """A lead's score as a row of the scores table."""
    return {
        "lead_id": lead_id,
        "model_version": score.model_version,
        "fit": score.fit,
        "engagement": score.engagement,
        "fit_band": score.fit_band,
        "engagement_band": score.engagement_band,
        "grade": score.grade,
        "is_mql": score.is_mql,
        "disqualified_by": score.disqualified_by,
        "explanation": [[part.rule, part.points] for part in score.explanation],
        "as_of": as_of,
        "scored_at": utcnow(),
        "state": encode_state(state) if state is not None else None,
    }


def write_scores(*, session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert or replace these score rows in one executemany, in the session's transaction."""
    if not rows:
        return
    session.flush()  # a pending ScoreRecord of one of these leads goes in first
    session.connection().execute(_upsert(session.get_bind().dialect.name), list(rows))
    # A ScoreRecord the session already holds would now read stale values.
    for row in rows:
        key = identity_key(ScoreRecord, (row["lead_id"], row["model_version"]))
        held = session.identity_map.get(key)
        if held is not None:
            session.expire(held)


@cache
def _upsert(dialect: str) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(SCORES)
    return statement.on_conflict_do_update(
        index_elements=list(_KEY),
        set_={c.name: statement.excluded[c.name] for c in SCORES.c if c.name not in _KEY},
    )
