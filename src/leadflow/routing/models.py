"""The assignment log: every time a lead was given to a rep (or to a team's queue)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from leadflow.storage.base import Base, BigId, UTCDateTime, utcnow


class AssignmentMethod(StrEnum):
    """Why a lead went where it went."""

    PREVIOUS_OWNER = "previous_owner"
    ACCOUNT_OWNER = "account_owner"
    TERRITORY = "territory"
    ROUND_ROBIN = "round_robin"
    QUEUE = "queue"
    ESCALATION = "escalation"
    CLAIMED = "claimed"


class LeadAssignment(Base):
    """One assignment; round robin takes the rep whose latest assignment is oldest."""

    __tablename__ = "lead_assignments"
    __table_args__ = (
        Index("ix_lead_assignments_user", "user_id", "id"),
        Index("ix_lead_assignments_lead", "lead_id", "cycle"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    cycle: Mapped[int] = mapped_column(default=1)
    # None: the lead waits in the team's queue.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    previous_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    team: Mapped[str | None] = mapped_column(String(100))
    method: Mapped[str] = mapped_column(String(20))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str | None] = mapped_column(String(200))
