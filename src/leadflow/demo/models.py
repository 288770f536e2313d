"""The demo world's hidden truth: what each simulated lead would do if sales called."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from leadflow.storage.base import Base, UTCDateTime


class DemoTruth(Base):
    """Simulation only: never read by scoring, routing or prediction, only by the demo."""

    __tablename__ = "demo_truth"

    lead_id: Mapped[int] = mapped_column(
        ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True
    )
    # buyer, browser, student, job_seeker, competitor or disposable.
    profile: Mapped[str] = mapped_column(String(20))
    hidden_fit: Mapped[float] = mapped_column(Float)
    peak_intent: Mapped[float] = mapped_column(Float)
    intent_peak_at: Mapped[datetime] = mapped_column(UTCDateTime)
    would_accept: Mapped[bool]
    would_qualify: Mapped[bool]
    would_open_opportunity: Mapped[bool]
    opportunity_amount: Mapped[float | None] = mapped_column(Float)
    would_win: Mapped[bool]
