"""Reading SLA timers: what is open, what is due soon, what was breached."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadflow.leads.models import Lead
from leadflow.sla.models import SlaTimer, TimerStatus
from leadflow.users.models import User


def status_counts(*, session: Session, now: datetime, due_within: timedelta) -> dict[str, int]:
    """Open timers, those due within `due_within`, those overdue, and breaches and met."""

    def count(*conditions: Any) -> int:
        return session.scalar(select(func.count()).select_from(SlaTimer).where(*conditions)) or 0

    is_open = SlaTimer.status == TimerStatus.OPEN
    return {
        "open": count(is_open),
        "due_soon": count(is_open, SlaTimer.due_at > now, SlaTimer.due_at <= now + due_within),
        "overdue": count(is_open, SlaTimer.due_at <= now),
        "breached": count(SlaTimer.status == TimerStatus.BREACHED),
        "met": count(SlaTimer.status == TimerStatus.MET),
    }


def timer_rows(
    *, session: Session, now: datetime, status: str = TimerStatus.OPEN, limit: int = 50
) -> list[dict[str, Any]]:
    """Timers of one status with their lead and owner, soonest due first."""
    rows = session.execute(
        select(SlaTimer, Lead.email, User.email)
        .join(Lead, Lead.id == SlaTimer.lead_id)
        .outerjoin(User, User.id == Lead.owner_id)
        .where(SlaTimer.status == status)
        .order_by(SlaTimer.due_at, SlaTimer.id)
        .limit(limit)
    ).all()
    return [
        {
            "timer": timer.id,
            "lead_id": timer.lead_id,
            "lead": lead_email,
            "stage": timer.stage,
            "owner": owner_email,
            "team": timer.team,
            "started_at": timer.started_at.isoformat(),
            "due_at": timer.due_at.isoformat(),
            "overdue": timer.status == TimerStatus.OPEN and timer.due_at <= now,
            "status": timer.status,
            "escalation": timer.escalation,
        }
        for timer, lead_email, owner_email in rows
    ]
