"""Tables: trained predictive models (card and artifact), and each lead's probability."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from leadflow.storage.base import Base, JsonDocument, UTCDateTime, utcnow


class TrainedModel(Base):
    """One trained model: its card (features, metrics, data window, library versions) and
    the fitted estimator; at most one is active, beside the active rule model."""

    __tablename__ = "predictive_models"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The learner: logistic or lightgbm.
    kind: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(32))
    feature_fingerprint: Mapped[str] = mapped_column(String(16))
    card: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    # The calibrated estimator, as joblib bytes.
    artifact: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_active: Mapped[bool] = mapped_column(default=False, index=True)


class LeadPrediction(Base):
    """A lead's conversion probability under one trained model, as of a time."""

    __tablename__ = "lead_predictions"

    lead_id: Mapped[int] = mapped_column(
        ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True
    )
    model_version: Mapped[str] = mapped_column(
        ForeignKey("predictive_models.version", ondelete="CASCADE"), primary_key=True
    )
    conversion_probability: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(1))
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
