"""Subscriptions are validated and keep no secret; deliveries are listed and replayed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from leadflow.errors import ConfigError, InvalidInputError, NotFoundError
from leadflow.storage.base import utcnow
from leadflow.webhooks import service
from leadflow.webhooks.models import DeliveryStatus, WebhookDelivery
from leadflow.webhooks.outbox import emit
from leadflow.webhooks.signing import signing_secret

KEY = "k" * 40


def _subscribe(session: Session, *events: str) -> int:
    subscription, _ = service.subscribe(
        session=session, url="https://crm.example.com/hooks", event_types=events, server_key=KEY
    )
    return subscription.id


def test_subscribe_shows_a_secret_that_is_never_stored(session: Session) -> None:
    subscription, secret = service.subscribe(
        session=session,
        url=" https://crm.example.com/hooks ",
        event_types=["lead.mql", "lead.assigned", "lead.mql"],
        server_key=KEY,
        description="CRM",
    )
    session.commit()
    assert subscription.url == "https://crm.example.com/hooks"
    assert subscription.event_types == ["lead.mql", "lead.assigned"]
    assert secret == signing_secret(server_key=KEY, salt=subscription.secret_salt)
    summary = service.subscription_summary(subscription)
    assert secret not in str(summary) and "salt" not in str(summary)
    assert [s.id for s in service.list_subscriptions(session=session)] == [subscription.id]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://crm.example.com/hooks", "http:// or https://"),
        ("crm.example.com/hooks", "http:// or https://"),
        ("https:///hooks", "http:// or https://"),
        ("https://crm.example.com:99999/", "out of range"),
        ("https://user:pw@crm.example.com/", "no user or password"),
        ("https://crm.example.com/a b", "spaces"),
    ],
)
def test_bad_urls_are_refused(session: Session, url: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        service.subscribe(session=session, url=url, event_types=["*"], server_key=KEY)


def test_events_must_be_known_and_star_means_all(session: Session) -> None:
    with pytest.raises(InvalidInputError, match=r"unknown event type lead\.teleported"):
        _subscribe(session, "lead.mql", "lead.teleported")
    with pytest.raises(InvalidInputError, match="at least one"):
        _subscribe(session, " ")
    assert service.parse_event_types(["lead.mql", "*"]) == ["*"]


def test_no_server_key_is_a_config_error(session: Session) -> None:
    with pytest.raises(ConfigError, match="LEADFLOW_SECRET_KEY"):
        service.subscribe(
            session=session, url="https://x.example.com/", event_types=["*"], server_key=None
        )


def test_rotate_changes_the_secret_and_keeps_the_old_one_for_the_overlap(
    session: Session,
) -> None:
    subscription, first = service.subscribe(
        session=session, url="https://x.example.com/", event_types=["*"], server_key=KEY
    )
    now = utcnow()
    _, second = service.rotate_secret(
        session=session,
        subscription_id=subscription.id,
        server_key=KEY,
        overlap=timedelta(hours=2),
        now=now,
    )
    assert second != first
    assert subscription.previous_secret_expires_at == now + timedelta(hours=2)
    assert signing_secret(server_key=KEY, salt=subscription.previous_secret_salt or "") == first
    service.rotate_secret(
        session=session, subscription_id=subscription.id, server_key=KEY, overlap=timedelta(0)
    )
    assert subscription.previous_secret_salt is None
    with pytest.raises(NotFoundError, match="no webhook subscription with id 999"):
        service.set_active(session=session, subscription_id=999, active=False)


def _outbox(session: Session) -> list[WebhookDelivery]:
    _subscribe(session, "*")
    for lead_id, event_type in [(1, "lead.mql"), (1, "lead.assigned"), (2, "lead.mql")]:
        emit(session=session, event_type=event_type, data={}, lead_id=lead_id)
    session.commit()
    return list(reversed(service.list_deliveries(session=session)))


def test_list_deliveries_filters_newest_first(session: Session) -> None:
    first, second, third = _outbox(session)
    assert [d.id for d in service.list_deliveries(session=session, lead_id=1)] == [
        second.id,
        first.id,
    ]
    assert service.list_deliveries(session=session, event_type="lead.mql", limit=1) == [third]
    assert service.list_deliveries(session=session, status="dead") == []
    with pytest.raises(InvalidInputError, match="--status: 'lost'"):
        service.list_deliveries(session=session, status="lost")
    with pytest.raises(InvalidInputError, match="--event"):
        service.list_deliveries(session=session, event_type="lead")


def test_replay_selects_by_ids_dead_or_since(session: Session) -> None:
    first, second, third = _outbox(session)
    first.status, first.attempts = DeliveryStatus.DEAD, 8
    second.status, second.delivered_at = DeliveryStatus.DELIVERED, utcnow()
    session.commit()
    assert service.replay(session=session, delivery_ids=[third.id]) == [], "already pending"
    assert service.replay(session=session, dead=True) == [first]
    assert (first.status, first.attempts) == (DeliveryStatus.PENDING, 0)
    assert service.replay(session=session, since=second.created_at) == [second]
    assert second.delivered_at is None
    with pytest.raises(NotFoundError, match="no webhook delivery with id 999"):
        service.replay(session=session, delivery_ids=[first.id, 999])
    with pytest.raises(InvalidInputError, match="not both"):
        service.replay(session=session, delivery_ids=[first.id], dead=True)
    with pytest.raises(InvalidInputError, match="give delivery ids, --dead or --since"):
        service.replay(session=session)
