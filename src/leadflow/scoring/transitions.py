"""Stage moves a score causes: junk is disqualified, a qualified lead is handed to sales.

Only leads marketing still holds (stage lead or nurture) are moved. Once sales has a lead,
a score never takes it back, and decay alone never un-MQLs anyone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from leadflow.config import Settings, load_settings
from leadflow.leads.models import Lead
from leadflow.lifecycle.flows import handoff
from leadflow.lifecycle.service import disqualify_by_rule
from leadflow.lifecycle.stages import StageMachine
from leadflow.scoring.scorer import LeadScore

SNAPSHOT_REASONS = 5


def score_snapshot(score: LeadScore) -> dict[str, Any]:
    """What the stage history keeps of the score that caused a move."""
    return {
        "fit": score.fit,
        "engagement": score.engagement,
        "grade": score.grade,
        "model_version": score.model_version,
        "explanation": [[p.rule, p.points] for p in score.explanation[:SNAPSHOT_REASONS]],
    }


def apply_transitions(
    *,
    session: Session,
    lead: Lead,
    score: LeadScore,
    at: datetime,
    settings: Settings | None = None,
) -> str | None:
    """Move the lead as its score says, if it is still marketing's; the new stage or None."""
    settings = settings or load_settings()
    machine = StageMachine(settings.lifecycle)
    if lead.stage not in {machine.name("lead"), machine.name("nurture")}:
        return None
    if score.disqualified_by is not None:
        disqualify_by_rule(
            session=session,
            lead=lead,
            rule=score.disqualified_by,
            model_version=score.model_version,
            at=at,
            settings=settings,
            score_snapshot=score_snapshot(score),
        )
        return lead.stage
    if score.is_mql:
        handoff(
            session=session,
            lead=lead,
            at=at,
            snapshot=score_snapshot(score),
            settings=settings,
            actor=f"scoring model {score.model_version}",
        )
        return lead.stage
    return None
