"""Emitting an event: one outbox row per matching subscription, in the caller's transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.leads.models import Lead
from leadflow.storage.base import utcnow
from leadflow.webhooks.models import WebhookDelivery, WebhookSubscription

EVENT_TYPES = (
    "lead.mql",
    "lead.assigned",
    "lead.accepted",
    "lead.rejected",
    "lead.sql",
    "lead.nurtured",
    "lead.disqualified",
    "lead.stage_changed",
    "opportunity.created",
    "opportunity.won",
    "opportunity.lost",
    "routing.unassigned",
    "sla.breached",
    "sla.escalated",
)


def emit(
    *,
    session: Session,
    event_type: str,
    data: dict[str, Any],
    lead_id: int | None = None,
    occurred_at: datetime | None = None,
) -> list[WebhookDelivery]:
    """Queue `event_type` for every active subscription that wants it; sent after commit.

    On PostgreSQL the lead's row is locked (FOR NO KEY UPDATE, as an UPDATE of the lead
    would) until the caller's transaction ends, so two transactions emitting for one lead
    number their deliveries in the order they commit: the order receivers get them in.
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    if lead_id is not None and session.get_bind().dialect.name == "postgresql":
        session.execute(select(Lead.id).where(Lead.id == lead_id).with_for_update(key_share=True))
    timestamp = (occurred_at or utcnow()).isoformat()
    subscriptions = session.scalars(
        select(WebhookSubscription).where(WebhookSubscription.active.is_(True))
    ).all()
    deliveries = [
        WebhookDelivery(
            message_id=f"msg_{uuid.uuid4().hex}",
            subscription_id=subscription.id,
            event_type=event_type,
            lead_id=lead_id,
            payload={"type": event_type, "timestamp": timestamp, "data": data},
        )
        for subscription in subscriptions
        if "*" in subscription.event_types or event_type in subscription.event_types
    ]
    session.add_all(deliveries)
    return deliveries
