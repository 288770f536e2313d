"""A commit that queues deliveries wakes the worker at once instead of at its next poll."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, select

from leadflow.storage.database import session_factory, transaction
from leadflow.webhooks import service
from leadflow.webhooks.models import DeliveryStatus, WebhookDelivery
from leadflow.webhooks.outbox import emit
from leadflow.webhooks.worker import DOORBELL, Doorbell, install_doorbell, pause, start_thread

if TYPE_CHECKING:
    from conftest import Receiver

# Far longer than any test may run: a delivery that arrives was woken, not polled.
AN_HOUR = 3600.0


def _subscribe(engine: Engine, receiver: Receiver, server_key: str) -> None:
    with transaction(engine) as session:
        _, secret = service.subscribe(
            session=session, url=receiver.url(), event_types=["*"], server_key=server_key
        )
    receiver.secrets["/hooks"] = [secret]


def _delivered(engine: Engine) -> int:
    with session_factory(engine)() as session:
        statuses = list(session.scalars(select(WebhookDelivery.status)))
    return statuses.count(DeliveryStatus.DELIVERED)


def test_a_commit_wakes_a_worker_that_would_poll_in_an_hour(
    engine: Engine, receiver: Receiver, server_key: str
) -> None:
    _subscribe(engine, receiver, server_key)
    thread, stop_event = start_thread(engine=engine, server_key=server_key, interval=AN_HOUR)
    try:
        for seq in range(3):
            with transaction(engine) as session:
                emit(
                    session=session,
                    event_type="lead.mql",
                    data={"seq": seq, "lead_id": 1},
                    lead_id=1,
                )
            deadline = time.monotonic() + 30
            while _delivered(engine) < seq + 1:
                assert time.monotonic() < deadline, f"delivery {seq} waited for the poll"
                time.sleep(0.02)
    finally:
        stop_event.set()
        thread.join(timeout=30)
    assert not thread.is_alive(), "the worker did not notice it was told to stop"
    assert receiver.processed_order() == {("/hooks", 1): [0, 1, 2]}


def test_only_a_committed_outbox_row_rings(engine: Engine, server_key: str) -> None:
    install_doorbell()
    with transaction(engine) as session:
        service.subscribe(
            session=session, url="http://127.0.0.1:9/", event_types=["*"], server_key=server_key
        )
    DOORBELL.wait(0)  # forget the rings of earlier work
    with pytest.raises(RuntimeError), transaction(engine) as session:
        emit(session=session, event_type="lead.mql", data={}, lead_id=1)
        session.flush()
        raise RuntimeError("roll back")
    assert not DOORBELL.wait(0)
    with transaction(engine) as session:
        service.subscribe(
            session=session, url="http://127.0.0.1:9/x", event_types=["*"], server_key=server_key
        )
    assert not DOORBELL.wait(0)
    with transaction(engine) as session:
        emit(session=session, event_type="lead.mql", data={}, lead_id=1)
    assert DOORBELL.wait(0)
    assert not DOORBELL.wait(0), "one ring wakes one pass"


def test_pause_ends_on_a_ring_or_a_stop_and_otherwise_waits_the_interval() -> None:
    doorbell, stop = Doorbell(), threading.Event()
    started = time.monotonic()
    pause(stop, 0.05, doorbell)
    assert time.monotonic() - started >= 0.05
    doorbell.ring()
    pause(stop, AN_HOUR, doorbell)
    stop.set()
    pause(stop, AN_HOUR, doorbell)
