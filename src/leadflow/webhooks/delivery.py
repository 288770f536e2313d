"""Sending due deliveries: claim one, POST it signed, record the outcome; repeat.

Each delivery is claimed in a short transaction (`SELECT ... FOR UPDATE SKIP LOCKED` on
PostgreSQL, so workers never wait on each other) that leases it: its next attempt moves past
the request timeout and it is marked with the worker's id. The POST happens outside any
transaction; a second short transaction records the outcome. The lease is a compare-and-set
on the row, so workers on SQLite (which has no row locks) never claim the same delivery
either. A worker that dies after sending but before recording leaves the lease to expire,
and the delivery is sent again: delivery is at least once, and receivers dedupe on
`webhook-id`.

Order: a delivery is claimed only when no older delivery for the same subscription and lead
is still pending (waiting, retrying or in flight). Dead ones do not block, and events without
a lead are not ordered.
"""

from __future__ import annotations

import logging
import os
import random
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import Engine, Select, exists, select, update
from sqlalchemy.orm import aliased

from leadflow.storage.base import utcnow
from leadflow.storage.database import transaction
from leadflow.webhooks.backoff import retry_delay
from leadflow.webhooks.config import WebhookConfig
from leadflow.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from leadflow.webhooks.sending import SendOutcome, payload_body, send
from leadflow.webhooks.signing import current_secrets, server_key_bytes

log = logging.getLogger(__name__)

# A claim outlives the request timeout by this much before another worker may take over.
LEASE_MARGIN = timedelta(seconds=30)


@dataclass
class DeliverySummary:
    """What one pass did: attempts made, and how they ended."""

    attempted: int = 0
    delivered: int = 0
    retrying: int = 0
    dead: int = 0

    def add(self, other: DeliverySummary) -> None:
        """Count another pass into this one."""
        self.attempted += other.attempted
        self.delivered += other.delivered
        self.retrying += other.retrying
        self.dead += other.dead


@dataclass(frozen=True)
class Claim:
    """A leased delivery and everything needed to send it without the database."""

    delivery_id: int
    message_id: str
    attempts: int
    url: str
    body: str
    signing_secrets: list[str] = field(repr=False)


def default_worker_id() -> str:
    """host:pid, which tells workers apart in `leadflow webhooks deliveries`."""
    return f"{socket.gethostname()}:{os.getpid()}"


def due_statement(now: datetime) -> Select[WebhookDelivery, WebhookSubscription]:
    """The oldest due delivery of an active subscription that no older pending one blocks."""
    older = aliased(WebhookDelivery)
    blocked = exists().where(
        older.subscription_id == WebhookDelivery.subscription_id,
        older.lead_id == WebhookDelivery.lead_id,
        older.status == DeliveryStatus.PENDING,
        older.id < WebhookDelivery.id,
    )
    return (
        select(WebhookDelivery, WebhookSubscription)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.next_attempt_at <= now,
            WebhookSubscription.active.is_(True),
            ~blocked,
        )
        .order_by(WebhookDelivery.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=WebhookDelivery)
    )


def claim_next(
    *,
    engine: Engine,
    now: datetime,
    worker_id: str,
    server_key: SecretStr | str | None,
    lease: timedelta,
) -> Claim | None:
    """Lease the next due delivery to this worker; None when nothing is due."""
    while True:
        with transaction(engine) as session:
            row = session.execute(due_statement(now)).first()
            if row is None:
                return None
            delivery, subscription = row
            leased = session.connection().execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id == delivery.id,
                    WebhookDelivery.status == DeliveryStatus.PENDING,
                    WebhookDelivery.next_attempt_at <= now,
                )
                .values(next_attempt_at=now + lease, last_worker=worker_id, last_attempt_at=now)
            )
            if leased.rowcount == 1:
                return Claim(
                    delivery_id=delivery.id,
                    message_id=delivery.message_id,
                    attempts=delivery.attempts,
                    url=subscription.url,
                    body=payload_body(delivery.payload),
                    signing_secrets=current_secrets(subscription, server_key=server_key, now=now),
                )
        # Another worker leased it between our read and our write (SQLite): look again.


def record(
    *,
    engine: Engine,
    claim: Claim,
    outcome: SendOutcome,
    now: datetime,
    worker_id: str,
    config: WebhookConfig,
    rng: random.Random,
) -> DeliveryStatus:
    """Store how an attempt ended: delivered, retry later with backoff, or dead."""
    attempts = claim.attempts + 1
    this_delivery = WebhookDelivery.id == claim.delivery_id
    still_pending = WebhookDelivery.status == DeliveryStatus.PENDING
    values: dict[str, Any] = {
        "attempts": attempts,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error,
    }
    if outcome.ok:
        status = DeliveryStatus.DELIVERED
        values |= {"status": status, "delivered_at": now}
        condition = [this_delivery, still_pending]
    else:
        # Only the worker holding the lease counts a failure, so none is counted twice.
        condition = [
            this_delivery,
            still_pending,
            WebhookDelivery.attempts == claim.attempts,
            WebhookDelivery.last_worker == worker_id,
        ]
        if attempts >= config.max_attempts:
            status = DeliveryStatus.DEAD
            values["status"] = status
        else:
            status = DeliveryStatus.PENDING
            delay = retry_delay(
                attempts,
                base=config.backoff_base_seconds,
                cap=config.backoff_cap_seconds,
                jitter=config.backoff_jitter,
                rng=rng,
            )
            if outcome.retry_after is not None:
                # The receiver said when it can take more: never sooner, never past the cap.
                delay = max(delay, min(outcome.retry_after, config.backoff_cap_seconds))
            values["next_attempt_at"] = now + timedelta(seconds=delay)
    with transaction(engine) as session:
        session.execute(
            update(WebhookDelivery)
            .where(*condition)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    return status


def deliver_due(
    *,
    engine: Engine,
    server_key: SecretStr | str | None,
    client: httpx.Client,
    config: WebhookConfig | None = None,
    now: datetime | None = None,
    worker_id: str | None = None,
    batch_size: int | None = None,
    rng: random.Random | None = None,
) -> DeliverySummary:
    """Attempt up to `batch_size` due deliveries, one at a time, in order per lead.

    `now` fixes the clock for due times and backoff (tests); by default each step reads the
    real clock. The `webhook-timestamp` header always carries the real time of sending,
    because receivers compare it with their own clock.
    """
    server_key_bytes(server_key)
    config = config or WebhookConfig()
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
    worker_id = worker_id or default_worker_id()
    rng = rng or random.Random()
    lease = timedelta(seconds=config.request_timeout_seconds) + LEASE_MARGIN
    summary = DeliverySummary()
    for _ in range(batch_size or config.batch_size):
        claim = claim_next(
            engine=engine, now=clock(), worker_id=worker_id, server_key=server_key, lease=lease
        )
        if claim is None:
            break
        outcome = send(
            client=client,
            url=claim.url,
            message_id=claim.message_id,
            body=claim.body,
            signing_secrets=claim.signing_secrets,
            timeout=config.request_timeout_seconds,
        )
        status = record(
            engine=engine,
            claim=claim,
            outcome=outcome,
            now=clock(),
            worker_id=worker_id,
            config=config,
            rng=rng,
        )
        summary.attempted += 1
        if status is DeliveryStatus.DELIVERED:
            summary.delivered += 1
        elif status is DeliveryStatus.DEAD:
            summary.dead += 1
            log.warning("webhook %s is dead: %s", claim.message_id, outcome.error)
        else:
            summary.retrying += 1
    return summary
