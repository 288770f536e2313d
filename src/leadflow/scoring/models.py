"""Tables: scoring model versions, and every lead's score under each version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from leadflow.storage.base import Base, JsonDocument, UTCDateTime, utcnow


class ModelVersion(Base):
    """One version of the scoring model file, as it was when recorded; at most one is active."""

    __tablename__ = "scoring_model_versions"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    checksum: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text)
    source_file: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_active: Mapped[bool] = mapped_column(default=False, index=True)


class ScoreRecord(Base):
    """A lead's score under one model version, as of a time, with the reasons and the
    real-time state that lets the next event update it without reading the history."""

    __tablename__ = "lead_scores"
    __table_args__ = (Index("ix_lead_scores_version_grade", "model_version", "grade"),)

    lead_id: Mapped[int] = mapped_column(
        ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True
    )
    model_version: Mapped[str] = mapped_column(
        ForeignKey("scoring_model_versions.version", ondelete="CASCADE"), primary_key=True
    )
    fit: Mapped[float] = mapped_column(Float)
    engagement: Mapped[float] = mapped_column(Float)
    fit_band: Mapped[str] = mapped_column(String(8))
    engagement_band: Mapped[int]
    grade: Mapped[str] = mapped_column(String(16))
    is_mql: Mapped[bool]
    disqualified_by: Mapped[str | None] = mapped_column(String(200))
    # [[rule, points], ...], largest magnitude first.
    explanation: Mapped[list[Any]] = mapped_column(JsonDocument, default=list)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Serialized LeadState; None after a batch run (rebuilt from history on the next event).
    state: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
