"""`/webhooks` (admin only): subscriptions (the signing secret is shown when made or rotated,
never again), pause and resume, and the delivery outbox: list and replay."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy import Select, select

from leadflow.api.audit import AuditorDep
from leadflow.api.deps import ADMIN_ONLY, SessionDep, SettingsDep
from leadflow.api.errors import naming_field, problem_responses
from leadflow.api.pagination import Page, fetch_page
from leadflow.api.webhook_schemas import (
    DeliveryListParams,
    DeliveryRead,
    Replayed,
    ReplayRange,
    Rotation,
    SubscriptionCreate,
    SubscriptionRead,
    SubscriptionUpdate,
    SubscriptionWithSecret,
)
from leadflow.errors import NotFoundError
from leadflow.users.schemas import MAX_ID
from leadflow.webhooks import service
from leadflow.webhooks.models import WebhookDelivery, WebhookSubscription

router = APIRouter(
    prefix="/webhooks",
    tags=["webhooks"],
    dependencies=[ADMIN_ONLY],
    responses=problem_responses(403),
)

SubscriptionId = Annotated[int, Path(ge=1, le=MAX_ID, description="The subscription's id.")]
DeliveryId = Annotated[int, Path(ge=1, le=MAX_ID, description="The delivery's id.")]
# Signing needs the server's secret key; without one these answer 503 saying how to set it.
_SIGNS = problem_responses(503)


def _shown(subscription: WebhookSubscription) -> SubscriptionRead:
    return SubscriptionRead.model_validate(service.subscription_summary(subscription))


def get_subscription(subscription_id: SubscriptionId, session: SessionDep) -> WebhookSubscription:
    """The subscription in the path; 404 if there is none."""
    return service.get_subscription(session=session, subscription_id=subscription_id)


SubscriptionDep = Annotated[WebhookSubscription, Depends(get_subscription)]


def matching_deliveries(params: DeliveryListParams) -> Select[WebhookDelivery]:
    """The deliveries the filters select, unordered: pagination orders and cuts them."""
    statement = select(WebhookDelivery)
    for name in ("status", "event_type", "lead_id", "subscription_id"):
        value = getattr(params, name)
        if value is not None:
            statement = statement.where(getattr(WebhookDelivery, name) == value)
    return statement


@router.get("/deliveries", summary="List deliveries")
def list_deliveries(
    params: Annotated[DeliveryListParams, Query()], session: SessionDep
) -> Page[DeliveryRead]:
    """Deliveries in the outbox matching the filters, newest first, a page at a time."""
    rows, next_cursor = fetch_page(
        session,
        matching_deliveries(params),
        sort="id",
        descending=True,
        cursor=params.cursor,
        limit=params.limit,
        columns=WebhookDelivery,
    )
    items = [DeliveryRead.model_validate(service.delivery_summary(d)) for d in rows]
    return Page[DeliveryRead](items=items, next_cursor=next_cursor)


@router.post("/deliveries/replay", summary="Replay dead or recent deliveries")
def replay_range(replay: ReplayRange, session: SessionDep, auditor: AuditorDep) -> Replayed:
    """Queue finished deliveries again (same `webhook-id`, fresh attempts): the dead ones,
    or every one since a time, optionally of one subscription."""
    queued = service.replay(
        session=session,
        dead=replay.dead,
        since=replay.since,
        subscription_id=replay.subscription_id,
        auditor=auditor,
    )
    return Replayed(queued=len(queued), delivery_ids=[d.id for d in queued])


@router.get("/deliveries/{delivery_id}", summary="Get a delivery", responses=problem_responses(404))
def get_delivery(delivery_id: DeliveryId, session: SessionDep) -> DeliveryRead:
    """One delivery with its payload and its last attempt."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFoundError(f"no webhook delivery with id {delivery_id}")
    return DeliveryRead.model_validate(service.delivery_summary(delivery))


@router.post(
    "/deliveries/{delivery_id}/replay",
    summary="Replay a delivery",
    responses=problem_responses(404),
)
def replay_delivery(delivery_id: DeliveryId, session: SessionDep, auditor: AuditorDep) -> Replayed:
    """Queue one delivery again with the same `webhook-id`; a pending one is left as it is."""
    queued = service.replay(session=session, delivery_ids=[delivery_id], auditor=auditor)
    return Replayed(queued=len(queued), delivery_ids=[d.id for d in queued])


@router.get("", summary="List subscriptions")
def list_subscriptions(session: SessionDep) -> list[SubscriptionRead]:
    """Every subscription, oldest first, paused ones included; never their secrets."""
    return [_shown(s) for s in service.list_subscriptions(session=session)]


@router.post("", status_code=201, summary="Subscribe a receiver", responses=_SIGNS)
def create_subscription(
    new: SubscriptionCreate, session: SessionDep, settings: SettingsDep, auditor: AuditorDep
) -> SubscriptionWithSecret:
    """Subscribe a URL to event types; the answer carries the signing secret, this once."""
    with naming_field("url"):
        subscription, secret = service.subscribe(
            session=session,
            url=new.url,
            event_types=new.events,
            server_key=settings.secret_key,
            description=new.description,
            auditor=auditor,
        )
    return SubscriptionWithSecret(**_shown(subscription).model_dump(), secret=secret)


@router.get("/{subscription_id}", summary="Get a subscription", responses=problem_responses(404))
def read_subscription(subscription: SubscriptionDep) -> SubscriptionRead:
    """One subscription, without its secret."""
    return _shown(subscription)


@router.patch(
    "/{subscription_id}", summary="Change a subscription", responses=problem_responses(404)
)
def update_subscription(
    subscription: SubscriptionDep,
    changes: SubscriptionUpdate,
    session: SessionDep,
    auditor: AuditorDep,
) -> SubscriptionRead:
    """Change the URL, event types or description given; the secret stays."""
    clears = "description" in changes.model_fields_set and changes.description is None
    with naming_field("url"):
        updated = service.update_subscription(
            session=session,
            subscription_id=subscription.id,
            url=changes.url,
            event_types=changes.events,
            description="" if clears else changes.description,
            auditor=auditor,
        )
    return _shown(updated)


@router.delete(
    "/{subscription_id}", summary="Delete a subscription", responses=problem_responses(404)
)
def delete_subscription(
    subscription: SubscriptionDep, session: SessionDep, auditor: AuditorDep
) -> SubscriptionRead:
    """Remove a subscription and its deliveries (pending ones are never sent); answers
    with what was removed."""
    removed = _shown(subscription)
    service.delete_subscription(session=session, subscription_id=subscription.id, auditor=auditor)
    return removed


@router.post(
    "/{subscription_id}/pause", summary="Pause a subscription", responses=problem_responses(404)
)
def pause(
    subscription: SubscriptionDep, session: SessionDep, auditor: AuditorDep
) -> SubscriptionRead:
    """Stop sending; deliveries wait, unsent, until it is resumed."""
    return _shown(
        service.set_active(
            session=session, subscription_id=subscription.id, active=False, auditor=auditor
        )
    )


@router.post(
    "/{subscription_id}/resume", summary="Resume a subscription", responses=problem_responses(404)
)
def resume(
    subscription: SubscriptionDep, session: SessionDep, auditor: AuditorDep
) -> SubscriptionRead:
    """Send again, the deliveries that waited first."""
    return _shown(
        service.set_active(
            session=session, subscription_id=subscription.id, active=True, auditor=auditor
        )
    )


@router.post(
    "/{subscription_id}/rotate",
    summary="Rotate the signing secret",
    responses=problem_responses(404, 503),
)
def rotate(
    subscription: SubscriptionDep,
    session: SessionDep,
    settings: SettingsDep,
    auditor: AuditorDep,
    rotation: Rotation | None = None,
) -> SubscriptionWithSecret:
    """A new signing secret, shown this once; the old one also signs for the overlap."""
    hours = rotation.overlap_hours if rotation else None
    if hours is None:
        hours = settings.webhooks.rotation_overlap_hours
    rotated, secret = service.rotate_secret(
        session=session,
        subscription_id=subscription.id,
        server_key=settings.secret_key,
        overlap=timedelta(hours=hours),
        auditor=auditor,
    )
    return SubscriptionWithSecret(**_shown(rotated).model_dump(), secret=secret)
