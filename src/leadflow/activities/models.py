"""The activities table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from leadflow.storage.base import Base, BigId, JsonDocument, UTCDateTime, utcnow

# Columns an import can set by name; every other column becomes an event property.
ACTIVITY_FIELDS = (
    "event_id",
    "type",
    "occurred_at",
    "anonymous_id",
    "source",
    "medium",
    "campaign",
    "content",
    "term",
)

# Fields that identify the lead an activity belongs to.
ACTIVITY_LEAD_KEYS = ("lead_id", "email", "lead_external_id")


class Activity(Base):
    """One event, unique by `event_id`: the sender's id, or a digest of its content."""

    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_lead_time", "lead_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), unique=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    # Segment's anonymousId: activity before we know who it was, joined on identify.
    anonymous_id: Mapped[str | None] = mapped_column(String(200), index=True)
    type: Mapped[str] = mapped_column(String(64), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    properties: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    # Marketing attribution carried by this activity (UTM); a touch when source is set.
    source: Mapped[str | None] = mapped_column(String(100))
    medium: Mapped[str | None] = mapped_column(String(100))
    campaign: Mapped[str | None] = mapped_column(String(200))
    content: Mapped[str | None] = mapped_column(String(200))
    term: Mapped[str | None] = mapped_column(String(200))
