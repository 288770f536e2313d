"""What history says happened to each lead: when it first reached a stage (any cycle)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadflow.lifecycle.models import StageChange


def first_reached(*, session: Session, stages: Sequence[str]) -> dict[int, datetime]:
    """Lead id -> the first time it entered any of `stages`."""
    statement = (
        select(StageChange.lead_id, func.min(StageChange.changed_at))
        .where(StageChange.to_stage.in_(list(stages)))
        .group_by(StageChange.lead_id)
    )
    return {lead_id: at for lead_id, at in session.execute(statement)}
