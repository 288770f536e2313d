"""Lifecycle tables: the stage history, qualification evidence and opportunities."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from leadflow.storage.base import Base, BigId, JsonDocument, UTCDateTime, utcnow

DEFAULT_STAGES = (
    "lead",
    "mql",
    "sal",
    "sql",
    "opportunity",
    "customer",
    "lost",
    "nurture",
    "disqualified",
)


class ActorType(StrEnum):
    """Who made a change: a scoring rule, a model version, a person, a key, an import."""

    RULE = "rule"
    MODEL = "model"
    USER = "user"
    API_KEY = "api_key"
    IMPORT = "import"
    SYSTEM = "system"


class StageChange(Base):
    """One move of one lead between stages; the funnel and velocity come from these."""

    __tablename__ = "stage_changes"
    __table_args__ = (Index("ix_stage_changes_lead_time", "lead_id", "changed_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    cycle: Mapped[int] = mapped_column(default=1)
    from_stage: Mapped[str | None] = mapped_column(String(32))
    to_stage: Mapped[str] = mapped_column(String(32), index=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_type: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(String(500))
    # Fit, engagement, grade and model version at the moment of the change.
    score_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)


class OpportunityStatus(StrEnum):
    """Where a deal stands."""

    OPEN = "open"
    WON = "won"
    LOST = "lost"


class Opportunity(Base):
    """A deal opened from a qualified lead in one cycle; won or lost closes it."""

    __tablename__ = "opportunities"
    __table_args__ = (Index("ix_opportunities_lead_cycle", "lead_id", "cycle"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    cycle: Mapped[int] = mapped_column(default=1)
    amount: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    status: Mapped[str] = mapped_column(String(8), default=OpportunityStatus.OPEN, index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lost_reason: Mapped[str | None] = mapped_column(String(100))


class QualificationEvidence(Base):
    """What a rep learned in conversation that made a lead an SQL (BANT), one per SQL move."""

    __tablename__ = "qualification_evidence"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    cycle: Mapped[int] = mapped_column(default=1)
    stage_change_id: Mapped[int] = mapped_column(
        ForeignKey("stage_changes.id", ondelete="CASCADE"), unique=True
    )
    need: Mapped[str | None] = mapped_column(Text)
    budget: Mapped[str | None] = mapped_column(Text)
    authority: Mapped[str | None] = mapped_column(Text)
    timeline: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
