"""Moves into the extra stages a deployment adds to the lifecycle (e.g. discovery)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from leadflow.config import Settings, load_settings
from leadflow.errors import InvalidInputError
from leadflow.leads.models import Lead
from leadflow.lifecycle.actors import Actor
from leadflow.lifecycle.models import StageChange
from leadflow.lifecycle.stages import StageMachine
from leadflow.lifecycle.transitions import change_stage
from leadflow.users.models import User


def advance_lead(
    *,
    session: Session,
    lead: Lead,
    to_stage: str,
    by: User | None = None,
    via: str | None = None,
    at: datetime | None = None,
    settings: Settings | None = None,
    score_snapshot: dict[str, Any] | None = None,
) -> StageChange:
    """Into an extra stage a deployment added; built-in stages have their own function."""
    settings = settings or load_settings()
    if StageMachine(settings.lifecycle).role(to_stage) is not None:
        raise InvalidInputError(
            f"'{to_stage}' is a built-in stage; use its own command (accept, qualify, ...)"
        )
    return change_stage(
        session=session,
        lead=lead,
        to_stage=to_stage,
        verb="advance",
        actor=Actor.of(by=by, via=via),
        event_type="lead.stage_changed",
        at=at,
        settings=settings,
        score_snapshot=score_snapshot,
    )
