"""The stage history table: every stage change, with time, actor, reason and score."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String
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
