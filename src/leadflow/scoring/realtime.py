"""Real time: a lead's score updated the moment it does something, and the stage moves
that follow (junk disqualified, a qualified lead handed to sales)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from leadflow.activities.models import Activity
from leadflow.config import Settings
from leadflow.leads.models import Lead
from leadflow.scoring.facts import event_of, lead_attributes, lead_events
from leadflow.scoring.model import ScoringModel
from leadflow.scoring.models import ScoreRecord
from leadflow.scoring.scorer import LeadScore
from leadflow.scoring.state import LeadState
from leadflow.scoring.state_codec import decode_state, encode_state
from leadflow.scoring.transitions import apply_transitions
from leadflow.storage.base import utcnow


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
    """Absorb the lead's new activities (already in the session) and score it at `at`.

    With a saved state this costs O(rules) whatever the lead's history; with none (a new
    lead, or a model version activated since) the state is built once from the history.
    Time never moves back: `at` before the state's watermark scores at the watermark.
    """
    record = session.get(ScoreRecord, (lead.id, model.version))
    state = decode_state(record.state, model) if record and record.state else None
    if state is None:
        state = LeadState.empty(model)
        for event in lead_events(session=session, lead_id=lead.id):
            state = state.absorb(event)
    else:
        for activity in new_activities:
            state = state.absorb(event_of(activity))
    at = at or utcnow()
    if state.watermark is not None:
        at = max(at, state.watermark)
    state = state.advance(at)
    score = state.score(lead_attributes(session=session, lead=lead), at=at)
    save_score(session=session, lead_id=lead.id, score=score, as_of=at, state=state, record=record)
    moved_to = apply_transitions(session=session, lead=lead, score=score, at=at, settings=settings)
    return Rescored(score=score, moved_to=moved_to)


def save_score(
    *,
    session: Session,
    lead_id: int,
    score: LeadScore,
    as_of: datetime,
    state: LeadState | None,
    record: ScoreRecord | None = None,
) -> ScoreRecord:
    """Write a lead's score under its model version, replacing the previous one."""
    record = record or session.get(ScoreRecord, (lead_id, score.model_version))
    if record is None:
        record = ScoreRecord(lead_id=lead_id, model_version=score.model_version)
        session.add(record)
    record.fit = score.fit
    record.engagement = score.engagement
    record.fit_band = score.fit_band
    record.engagement_band = score.engagement_band
    record.grade = score.grade
    record.is_mql = score.is_mql
    record.disqualified_by = score.disqualified_by
    record.explanation = [[part.rule, part.points] for part in score.explanation]
    record.as_of = as_of
    record.scored_at = utcnow()
    record.state = encode_state(state) if state is not None else None
    return record
