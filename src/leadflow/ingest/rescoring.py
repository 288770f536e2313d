"""Rescoring the leads a write touched, under the active model, with their rows locked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from leadflow.activities.models import Activity
from leadflow.config import Settings
from leadflow.leads.models import Lead
from leadflow.scoring.model import ScoringModel
from leadflow.scoring.realtime import Rescored, rescore_leads
from leadflow.scoring.versions import active_version, model_of


def lock_leads(session: Session, where: ColumnElement[bool]) -> dict[int, Lead]:
    """Load the leads `where` selects, fresh, locked until the transaction ends (PostgreSQL:
    FOR UPDATE in id order, so two writers never wait on each other in a cycle; SQLite: a
    write transaction holds the database lock already, see `write_transaction`)."""
    statement = (
        select(Lead).where(where).order_by(Lead.id).execution_options(populate_existing=True)
    )
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    return {lead.id: lead for lead in session.scalars(statement)}


def active_model(session: Session) -> ScoringModel | None:
    """The model in force, or None before one is activated (then nothing is scored)."""
    record = active_version(session=session)
    return model_of(session=session, record=record) if record is not None else None


def rescore_touched(
    *,
    session: Session,
    touched: Mapping[int, Sequence[Activity]],
    at: datetime,
    settings: Settings,
) -> dict[int, Rescored]:
    """Score each lead (id: its newly stored activities) at `at` under the active model and
    make the stage moves that follow; leads in id order. Empty without an active model."""
    model = active_model(session)
    if model is None or not touched:
        return {}
    leads = lock_leads(session, Lead.id.in_(sorted(touched)))
    return rescore_leads(
        session=session,
        leads=[leads[lead_id] for lead_id in sorted(leads)],
        model=model,
        new_activities=touched,
        at=at,
        settings=settings,
    )
