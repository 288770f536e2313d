"""Marketing spend, the denominator of every cost-per figure."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from leadflow.storage.base import Base, BigId, UTCDateTime, utcnow


class CampaignSpend(Base):
    """Money spent on a source (and optionally a campaign) over a period."""

    __tablename__ = "campaign_spend"
    __table_args__ = (
        Index(
            "uq_campaign_spend_period",
            "source",
            "campaign",
            "period_start",
            "period_end",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(100))
    medium: Mapped[str | None] = mapped_column(String(100))
    campaign: Mapped[str | None] = mapped_column(String(200))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    amount: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
