"""Webhook subscriptions and the outbox of deliveries."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from leadflow.storage.base import Base, BigId, JsonDocument, UTCDateTime, utcnow


class DeliveryStatus(StrEnum):
    """Where a delivery stands: waiting (or retrying), received, or given up on."""

    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


class WebhookSubscription(Base):
    """An endpoint that receives the event types it asked for (`*` for all)."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    description: Mapped[str | None] = mapped_column(String(500))
    # The signing secret is derived from the server's secret key and this salt, so the
    # database alone never holds a usable secret; a new salt rotates it.
    secret_salt: Mapped[str] = mapped_column(String(64))
    # After a rotation the old secret also signs until this instant, so receivers can switch.
    previous_secret_salt: Mapped[str | None] = mapped_column(String(64))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(Base):
    """One message to one subscription: written with the change, sent by a worker."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_order", "subscription_id", "lead_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # The Standard Webhooks `webhook-id`: the same on every retry, for receivers to dedupe.
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    event_type: Mapped[str] = mapped_column(String(64))
    lead_id: Mapped[int | None] = mapped_column(BigId)
    payload: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The worker that claimed the delivery last; a stale claim cannot record a failure.
    last_worker: Mapped[str | None] = mapped_column(String(200))
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
