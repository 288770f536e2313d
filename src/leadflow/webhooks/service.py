"""Subscriptions (add, list, disable, enable, rotate) and deliveries (list, replay)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from leadflow.audit import service as audit
from leadflow.audit.service import Auditor
from leadflow.errors import InvalidInputError, NotFoundError
from leadflow.storage.base import utcnow
from leadflow.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from leadflow.webhooks.outbox import EVENT_TYPES
from leadflow.webhooks.signing import new_salt, signing_secret

ALL_EVENTS = "*"
MAX_URL_LENGTH = 2000


def validate_url(url: str) -> str:
    """An absolute http(s) URL with a host and no credentials; InvalidInputError otherwise."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        _ = parts.port  # reading the port is what validates it
    except ValueError as exc:
        raise InvalidInputError(f"URL {url!r}: {exc}") from exc
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InvalidInputError(f"URL {url!r}: use an http:// or https:// URL with a host")
    if parts.username or parts.password:
        raise InvalidInputError(
            f"URL {url!r}: no user or password in the URL; receivers authenticate "
            "requests by their signature"
        )
    if len(url) > MAX_URL_LENGTH or any(ch.isspace() for ch in url):
        raise InvalidInputError(f"URL {url!r}: too long or contains spaces")
    return url


def parse_event_types(event_types: Iterable[str]) -> list[str]:
    """Known event types without repeats, or `*` alone for all of them."""
    wanted = list(dict.fromkeys(t.strip() for t in event_types if t.strip()))
    if not wanted:
        raise InvalidInputError(f"--events: name at least one of {', '.join(EVENT_TYPES)} or *")
    if ALL_EVENTS in wanted:
        return [ALL_EVENTS]
    unknown = [t for t in wanted if t not in EVENT_TYPES]
    if unknown:
        raise InvalidInputError(
            f"--events: unknown event type {', '.join(unknown)}; use {', '.join(EVENT_TYPES)} or *"
        )
    return wanted


def subscribe(
    *,
    session: Session,
    url: str,
    event_types: Iterable[str],
    server_key: SecretStr | str | None,
    description: str | None = None,
    auditor: Auditor | None = None,
) -> tuple[WebhookSubscription, str]:
    """Create a subscription; returns it and its signing secret, which is shown only now."""
    salt = new_salt()
    secret = signing_secret(server_key=server_key, salt=salt)
    subscription = WebhookSubscription(
        url=validate_url(url),
        event_types=parse_event_types(event_types),
        description=description,
        secret_salt=salt,
        active=True,
    )
    session.add(subscription)
    session.flush()
    details = {"url": subscription.url, "events": subscription.event_types}
    _audit(session, auditor, "webhook.created", subscription, details)
    return subscription, secret


def _audit(
    session: Session,
    auditor: Auditor | None,
    action: str,
    subscription: WebhookSubscription,
    details: dict[str, Any] | None = None,
) -> None:
    audit.record(
        session=session,
        auditor=auditor,
        action=action,
        subject=f"subscription {subscription.id}",
        details=details,
    )


def get_subscription(*, session: Session, subscription_id: int) -> WebhookSubscription:
    """The subscription with this id; NotFoundError otherwise."""
    subscription = session.get(WebhookSubscription, subscription_id)
    if subscription is None:
        raise NotFoundError(f"no webhook subscription with id {subscription_id}")
    return subscription


def list_subscriptions(*, session: Session) -> Sequence[WebhookSubscription]:
    """Every subscription, oldest first, disabled ones included."""
    return session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)).all()


def set_active(
    *, session: Session, subscription_id: int, active: bool, auditor: Auditor | None = None
) -> WebhookSubscription:
    """Disable (its pending deliveries wait, unsent) or enable again a subscription."""
    subscription = get_subscription(session=session, subscription_id=subscription_id)
    subscription.active = active
    _audit(session, auditor, "webhook.resumed" if active else "webhook.paused", subscription)
    return subscription


def update_subscription(
    *,
    session: Session,
    subscription_id: int,
    url: str | None = None,
    event_types: Iterable[str] | None = None,
    description: str | None = None,
    auditor: Auditor | None = None,
) -> WebhookSubscription:
    """Change what is given (an empty description clears it); the secret stays the same."""
    subscription = get_subscription(session=session, subscription_id=subscription_id)
    if url is not None:
        subscription.url = validate_url(url)
    if event_types is not None:
        subscription.event_types = parse_event_types(event_types)
    if description is not None:
        subscription.description = description or None
    details = {"url": subscription.url, "events": subscription.event_types}
    _audit(session, auditor, "webhook.updated", subscription, details)
    return subscription


def delete_subscription(
    *, session: Session, subscription_id: int, auditor: Auditor | None = None
) -> None:
    """Remove a subscription with its deliveries; pending ones are never sent."""
    subscription = get_subscription(session=session, subscription_id=subscription_id)
    _audit(session, auditor, "webhook.deleted", subscription, {"url": subscription.url})
    session.delete(subscription)
    session.flush()


def rotate_secret(
    *,
    session: Session,
    subscription_id: int,
    server_key: SecretStr | str | None,
    overlap: timedelta,
    now: datetime | None = None,
    auditor: Auditor | None = None,
) -> tuple[WebhookSubscription, str]:
    """A new signing secret, shown only now; the old one also signs for `overlap`."""
    subscription = get_subscription(session=session, subscription_id=subscription_id)
    salt = new_salt()
    secret = signing_secret(server_key=server_key, salt=salt)
    if overlap > timedelta(0):
        subscription.previous_secret_salt = subscription.secret_salt
        subscription.previous_secret_expires_at = (now or utcnow()) + overlap
    else:
        subscription.previous_secret_salt = None
        subscription.previous_secret_expires_at = None
    subscription.secret_salt = salt
    overlap_hours = overlap.total_seconds() / 3600
    _audit(
        session, auditor, "webhook.secret_rotated", subscription, {"overlap_hours": overlap_hours}
    )
    return subscription, secret


def subscription_summary(subscription: WebhookSubscription) -> dict[str, Any]:
    """What people and programs see of a subscription: never a secret or a salt."""
    return {
        "id": subscription.id,
        "url": subscription.url,
        "events": subscription.event_types,
        "active": subscription.active,
        "description": subscription.description,
        "created_at": subscription.created_at,
        "previous_secret_expires_at": subscription.previous_secret_expires_at,
    }


def list_deliveries(
    *,
    session: Session,
    status: str | None = None,
    event_type: str | None = None,
    lead_id: int | None = None,
    subscription_id: int | None = None,
    limit: int = 100,
) -> Sequence[WebhookDelivery]:
    """Deliveries matching every filter given, newest first."""
    if status is not None and status not in set(DeliveryStatus):
        raise InvalidInputError(f"--status: {status!r} is not one of {', '.join(DeliveryStatus)}")
    if event_type is not None and event_type not in EVENT_TYPES:
        raise InvalidInputError(f"--event: unknown event type {event_type!r}")
    if limit < 1:
        raise InvalidInputError(f"--limit: must be at least 1, got {limit}")
    conditions: list[ColumnElement[bool]] = []
    if status is not None:
        conditions.append(WebhookDelivery.status == status)
    if event_type is not None:
        conditions.append(WebhookDelivery.event_type == event_type)
    if lead_id is not None:
        conditions.append(WebhookDelivery.lead_id == lead_id)
    if subscription_id is not None:
        conditions.append(WebhookDelivery.subscription_id == subscription_id)
    statement = select(WebhookDelivery).where(*conditions).order_by(WebhookDelivery.id.desc())
    return session.scalars(statement.limit(limit)).all()


def delivery_summary(delivery: WebhookDelivery) -> dict[str, Any]:
    """What people and programs see of a delivery."""
    return {
        "id": delivery.id,
        "message_id": delivery.message_id,
        "subscription_id": delivery.subscription_id,
        "event_type": delivery.event_type,
        "lead_id": delivery.lead_id,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "last_attempt_at": delivery.last_attempt_at,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "last_worker": delivery.last_worker,
        "created_at": delivery.created_at,
        "delivered_at": delivery.delivered_at,
        "payload": delivery.payload,
    }


def replay(
    *,
    session: Session,
    delivery_ids: Sequence[int] = (),
    dead: bool = False,
    since: datetime | None = None,
    subscription_id: int | None = None,
    now: datetime | None = None,
    auditor: Auditor | None = None,
) -> list[WebhookDelivery]:
    """Queue deliveries again with a fresh attempt count and the same `webhook-id`.

    Either the given ids, or every dead one (`dead`), or every finished one created at or
    after `since` (dead ones only when both are given). Pending ones are already queued
    and left as they are. Returns what was queued.
    """
    if delivery_ids and (dead or since is not None):
        raise InvalidInputError("replay: give delivery ids, or --dead / --since, not both")
    finished = [DeliveryStatus.DELIVERED, DeliveryStatus.DEAD]
    conditions: list[ColumnElement[bool]] = []
    if delivery_ids:
        conditions.append(WebhookDelivery.id.in_(delivery_ids))
    elif dead or since is not None:
        conditions.append(WebhookDelivery.status.in_([DeliveryStatus.DEAD] if dead else finished))
        if since is not None:
            conditions.append(WebhookDelivery.created_at >= since)
    else:
        raise InvalidInputError("replay: give delivery ids, --dead or --since")
    if subscription_id is not None:
        conditions.append(WebhookDelivery.subscription_id == subscription_id)
    found = session.scalars(
        select(WebhookDelivery).where(*conditions).order_by(WebhookDelivery.id)
    ).all()
    missing = sorted(set(delivery_ids) - {d.id for d in found})
    if missing:
        raise NotFoundError(f"no webhook delivery with id {', '.join(map(str, missing))}")
    queued = [d for d in found if d.status != DeliveryStatus.PENDING]
    for delivery in queued:
        delivery.status = DeliveryStatus.PENDING
        delivery.attempts = 0
        delivery.next_attempt_at = now or utcnow()
        delivery.delivered_at = None
    scope = f"subscription {subscription_id}" if subscription_id is not None else "all"
    audit.record(
        session=session,
        auditor=auditor,
        action="webhook.replayed",
        subject=scope,
        details={
            "delivery_ids": [d.id for d in queued],
            "dead": dead,
            "since": since and since.isoformat(),
        },
    )
    return queued
