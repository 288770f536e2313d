"""Reading the stage history: one lead's changes, the last score, the stage counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadflow.leads.models import Lead
from leadflow.lifecycle.models import QualificationEvidence, StageChange


def stage_history(*, session: Session, lead: Lead) -> Sequence[StageChange]:
    """Every stage change of a lead, oldest first."""
    return session.scalars(
        select(StageChange)
        .where(StageChange.lead_id == lead.id)
        .order_by(StageChange.changed_at, StageChange.id)
    ).all()


def last_snapshot(session: Session, lead: Lead) -> dict[str, Any] | None:
    """The most recent score snapshot recorded in the lead's history."""
    return session.scalar(
        select(StageChange.score_snapshot)
        .where(StageChange.lead_id == lead.id, StageChange.score_snapshot.is_not(None))
        .order_by(StageChange.changed_at.desc(), StageChange.id.desc())
        .limit(1)
    )


def history_rows(*, session: Session, lead: Lead) -> list[dict[str, Any]]:
    """The stage history as plain rows, with qualification evidence on the SQL move."""
    changes = stage_history(session=session, lead=lead)
    evidence = {
        e.stage_change_id: e
        for e in session.scalars(
            select(QualificationEvidence).where(QualificationEvidence.lead_id == lead.id)
        )
    }
    rows = []
    for change in changes:
        row: dict[str, Any] = {
            "at": change.changed_at.isoformat(),
            "cycle": change.cycle,
            "from": change.from_stage,
            "to": change.to_stage,
            "actor_type": change.actor_type,
            "actor": change.actor,
            "reason": change.reason,
            "score": (change.score_snapshot or {}).get("grade"),
        }
        found = evidence.get(change.id)
        if found is not None:
            row["evidence"] = {
                k: getattr(found, k) for k in ("need", "budget", "authority", "timeline")
            }
        rows.append(row)
    return rows


def stage_counts(*, session: Session) -> dict[str, int]:
    """How many leads are in each stage now."""
    rows = session.execute(select(Lead.stage, func.count()).group_by(Lead.stage)).all()
    return {stage: count for stage, count in rows}
