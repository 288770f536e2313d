"""The worker loop delivers in the background until it is stopped."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, select

from leadflow.errors import ConfigError
from leadflow.storage.database import session_factory, transaction
from leadflow.webhooks import service
from leadflow.webhooks.models import DeliveryStatus, WebhookDelivery
from leadflow.webhooks.outbox import emit
from leadflow.webhooks.worker import start_thread

if TYPE_CHECKING:
    from conftest import Receiver


def _statuses(engine: Engine) -> set[str]:
    with session_factory(engine)() as session:
        return set(session.scalars(select(WebhookDelivery.status)))


def test_background_worker_delivers_what_is_emitted_later(
    engine: Engine, receiver: Receiver, server_key: str
) -> None:
    with transaction(engine) as session:
        _, secret = service.subscribe(
            session=session, url=receiver.url(), event_types=["*"], server_key=server_key
        )
    receiver.secrets["/hooks"] = [secret]
    thread, stop_event = start_thread(engine=engine, server_key=server_key, interval=0.05)
    try:
        with transaction(engine) as session:
            emit(session=session, event_type="opportunity.won", data={"seq": 0}, lead_id=1)
        deadline = time.monotonic() + 30
        while _statuses(engine) != {DeliveryStatus.DELIVERED}:
            assert time.monotonic() < deadline, "the worker never delivered"
            time.sleep(0.05)
    finally:
        stop_event.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert [p["type"] for p in receiver.processed.values()] == ["opportunity.won"]


def test_worker_refuses_to_start_without_a_server_key(engine: Engine) -> None:
    with pytest.raises(ConfigError, match="LEADFLOW_SECRET_KEY"):
        start_thread(engine=engine, server_key=None)
