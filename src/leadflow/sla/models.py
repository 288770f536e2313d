"""SLA timers: one per lead and stage entry, due at a business-time deadline."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from leadflow.storage.base import Base, BigId, UTCDateTime, utcnow


class TimerStatus(StrEnum):
    """open: running; met: the stage was left in time; breached: the deadline passed first."""

    OPEN = "open"
    MET = "met"
    BREACHED = "breached"


class SlaTimer(Base):
    """A deadline for leaving one stage; the sweeper claims due ones with SKIP LOCKED."""

    __tablename__ = "sla_timers"
    __table_args__ = (
        Index("ix_sla_timers_due", "status", "due_at"),
        Index("ix_sla_timers_lead", "lead_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    cycle: Mapped[int] = mapped_column(default=1)
    stage: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    team: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default=TimerStatus.OPEN)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the sweeper did: reassigned, manager, none.
    escalation: Mapped[str | None] = mapped_column(String(20))
    escalated_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
