"""Delivery to a real receiver that goes down and comes back: all arrive, once, in order."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from leadflow.storage.base import utcnow
from leadflow.storage.database import session_factory, transaction
from leadflow.webhooks import service
from leadflow.webhooks.config import WebhookConfig
from leadflow.webhooks.delivery import DeliverySummary, deliver_due
from leadflow.webhooks.models import DeliveryStatus, WebhookDelivery
from leadflow.webhooks.outbox import emit
from leadflow.webhooks.worker import deliver_all_due

if TYPE_CHECKING:
    from conftest import Receiver

LEADS = (101, 102, 103)


def _subscribe(engine: Engine, receiver: Receiver, server_key: str, path: str) -> int:
    with transaction(engine) as session:
        subscription, secret = service.subscribe(
            session=session, url=receiver.url(path), event_types=["*"], server_key=server_key
        )
    receiver.secrets[path] = [secret]
    return subscription.id


def _emit_events(engine: Engine, per_lead: int, without_lead: int = 0) -> None:
    """Interleaved events for LEADS, each change in a transaction of its own."""
    for seq in range(per_lead):
        for lead_id in LEADS:
            with transaction(engine) as session:
                emit(
                    session=session,
                    event_type="lead.stage_changed",
                    data={"lead_id": lead_id, "seq": seq},
                    lead_id=lead_id,
                )
    for seq in range(without_lead):
        with transaction(engine) as session:
            emit(session=session, event_type="routing.unassigned", data={"seq": seq})


def _deliveries(engine: Engine) -> list[WebhookDelivery]:
    with session_factory(engine)() as session:
        return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def _assert_in_order_per_lead(receiver: Receiver, per_lead: int) -> None:
    for (_path, lead_id), seqs in receiver.processed_order().items():
        if lead_id is not None:
            assert seqs == list(range(per_lead)), lead_id


def _heads(engine: Engine) -> list[WebhookDelivery]:
    return [d for d in _deliveries(engine) if d.attempts > 0]


def _assert_backoff(deliveries: list[WebhookDelivery], at: datetime, nominal: float) -> None:
    for delivery in deliveries:
        wait = (delivery.next_attempt_at - at).total_seconds()
        assert nominal * 0.8 - 0.001 <= wait <= nominal + 0.001, delivery.id


def test_receiver_down_then_back_gets_every_event_once_in_order(
    engine: Engine, receiver: Receiver, server_key: str, webhook_config: WebhookConfig
) -> None:
    subscriptions = [_subscribe(engine, receiver, server_key, path) for path in ("/a", "/b")]
    _emit_events(engine, per_lead=5, without_lead=2)
    every_id = {d.message_id for d in _deliveries(engine)}
    assert len(every_id) == 2 * (3 * 5 + 2)
    receiver.mode = "503"
    t0 = utcnow()
    with httpx.Client() as client:

        def deliver(at: datetime) -> int:
            summary = deliver_due(
                engine=engine, server_key=server_key, client=client, config=webhook_config, now=at
            )
            return summary.attempted

        # Per subscription: the oldest event of each lead, and both lead-less events.
        assert deliver(t0) == 2 * (3 + 2)
        assert deliver(t0) == 0, "nothing is due again before its backoff"
        first = _heads(engine)
        assert {(d.attempts, d.last_status_code) for d in first} == {(1, 503)}
        assert all(d.last_error == "HTTP 503: down for maintenance" for d in first)
        _assert_backoff(first, t0, nominal=10)

        receiver.stop()
        t1 = t0 + timedelta(seconds=10)
        assert deliver(t1) == 2 * (3 + 2)
        second = _heads(engine)
        assert {d.attempts for d in second} == {2}
        assert all(d.last_error and d.last_error.startswith("ConnectError") for d in second)
        _assert_backoff(second, t1, nominal=20)
        assert deliver(t1 + timedelta(seconds=15)) == 0

        receiver.mode = "up"
        receiver.start()
        summary = deliver_all_due(
            engine=engine,
            server_key=server_key,
            client=client,
            config=webhook_config,
            now=t1 + timedelta(seconds=20),
        )
    assert summary.delivered == len(every_id)
    assert set(receiver.processed) == every_id
    assert not receiver.invalid
    assert {d.status for d in _deliveries(engine)} == {DeliveryStatus.DELIVERED}
    _assert_in_order_per_lead(receiver, per_lead=5)
    assert {p["path"] for p in receiver.processed.values()} == {"/a", "/b"}
    assert len(subscriptions) == 2


def test_lost_responses_are_sent_again_and_processed_once(
    engine: Engine, receiver: Receiver, server_key: str, webhook_config: WebhookConfig
) -> None:
    _subscribe(engine, receiver, server_key, "/hooks")
    _emit_events(engine, per_lead=3)
    receiver.mode = "lose-responses"
    t0 = utcnow()
    with httpx.Client() as client:
        summary = deliver_due(
            engine=engine, server_key=server_key, client=client, config=webhook_config, now=t0
        )
        assert (summary.attempted, summary.retrying) == (3, 3)
        assert all("Timeout" in (d.last_error or "") for d in _heads(engine))
        receiver.mode = "up"
        deliver_all_due(
            engine=engine,
            server_key=server_key,
            client=client,
            config=webhook_config,
            now=t0 + timedelta(minutes=5),
        )
    hits = Counter(receiver.hits)
    assert sorted(hits.values()) == [1] * 6 + [2] * 3, "the heads arrived twice"
    assert set(receiver.processed) == set(hits)
    _assert_in_order_per_lead(receiver, per_lead=3)


def test_dead_after_max_attempts_and_replayed_in_order(
    engine: Engine, receiver: Receiver, server_key: str, webhook_config: WebhookConfig
) -> None:
    _subscribe(engine, receiver, server_key, "/hooks")
    _emit_events(engine, per_lead=3)
    receiver.mode = "503"
    at = utcnow()
    with httpx.Client() as client:
        # A dead delivery does not block the next one for its lead: all die in turn.
        while any(d.status == DeliveryStatus.PENDING for d in _deliveries(engine)):
            deliver_all_due(
                engine=engine, server_key=server_key, client=client, config=webhook_config, now=at
            )
            at += timedelta(seconds=webhook_config.backoff_cap_seconds)
        dead = _deliveries(engine)
        assert {(d.status, d.attempts) for d in dead} == {(DeliveryStatus.DEAD, 4)}
        assert Counter(receiver.hits) == {d.message_id: 4 for d in dead}

        receiver.mode = "up"
        with transaction(engine) as session:
            queued = service.replay(session=session, dead=True, now=at)
        assert len(queued) == 9
        deliver_all_due(
            engine=engine, server_key=server_key, client=client, config=webhook_config, now=at
        )
    replayed = _deliveries(engine)
    assert [d.message_id for d in replayed] == [d.message_id for d in dead]
    assert {(d.status, d.attempts) for d in replayed} == {(DeliveryStatus.DELIVERED, 1)}
    assert set(receiver.processed) == {d.message_id for d in dead}
    _assert_in_order_per_lead(receiver, per_lead=3)


def test_disabled_subscription_keeps_its_deliveries_until_enabled(
    engine: Engine, session: Session, receiver: Receiver, server_key: str
) -> None:
    subscription_id = _subscribe(engine, receiver, server_key, "/hooks")
    _emit_events(engine, per_lead=1)
    service.set_active(session=session, subscription_id=subscription_id, active=False)
    session.commit()
    with httpx.Client() as client:

        def deliver() -> DeliverySummary:
            return deliver_all_due(engine=engine, server_key=server_key, client=client)

        assert deliver().attempted == 0
        service.set_active(session=session, subscription_id=subscription_id, active=True)
        session.commit()
        assert deliver().delivered == 3
    assert len(receiver.processed) == 3


def test_wrong_secret_is_rejected_by_the_receiver(
    engine: Engine, receiver: Receiver, server_key: str
) -> None:
    _subscribe(engine, receiver, server_key, "/hooks")
    receiver.secrets["/hooks"] = ["whsec_" + "A" * 43 + "="]
    _emit_events(engine, per_lead=1)
    with httpx.Client() as client:
        summary = deliver_due(engine=engine, server_key=server_key, client=client)
    assert (summary.attempted, summary.retrying) == (3, 3)
    assert len(receiver.invalid) == 3 and not receiver.processed


@pytest.mark.parametrize("batch_size", [1, 2])
def test_batch_size_bounds_one_pass(
    engine: Engine, receiver: Receiver, server_key: str, batch_size: int
) -> None:
    _subscribe(engine, receiver, server_key, "/hooks")
    _emit_events(engine, per_lead=2)
    with httpx.Client() as client:
        summary = deliver_due(
            engine=engine, server_key=server_key, client=client, batch_size=batch_size
        )
    assert summary.delivered == batch_size
