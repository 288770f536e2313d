"""The delivery worker: passes over the outbox until told to stop, or until nothing is due.

Between passes it waits the poll interval, or less: a commit in this process that queued
deliveries rings a doorbell that wakes the worker at once, so a handoff made through this
process's API reaches its receiver in milliseconds. The interval is the fallback for rows
other processes write.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import Engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from leadflow.config import load_settings
from leadflow.webhooks.config import WebhookConfig
from leadflow.webhooks.delivery import DeliverySummary, default_worker_id, deliver_due
from leadflow.webhooks.models import WebhookDelivery
from leadflow.webhooks.signing import server_key_bytes

log = logging.getLogger(__name__)

PassReport = Callable[[DeliverySummary], None]
# How often a waiting worker looks at its stop event (the doorbell cannot wake on it).
STOP_CHECK_SECONDS = 0.2
_QUEUED = "leadflow.webhooks.queued"


class Doorbell:
    """Rung after a commit that queued deliveries; a waiting worker wakes at once."""

    def __init__(self) -> None:
        self._rung = threading.Event()

    def ring(self) -> None:
        """Wake the workers of this process."""
        self._rung.set()

    def wait(self, timeout: float) -> bool:
        """True when rung within `timeout` seconds (the ring is then used up)."""
        if not self._rung.wait(timeout):
            return False
        # Cleared before the pass that follows, so a ring after this point is never lost.
        self._rung.clear()
        return True


DOORBELL = Doorbell()


def _note_queued(session: Session, _context: Any) -> None:
    if any(isinstance(obj, WebhookDelivery) for obj in session.new):
        session.info[_QUEUED] = True


def _ring_if_queued(session: Session) -> None:
    if session.info.pop(_QUEUED, False):
        DOORBELL.ring()


def _forget_queued(session: Session) -> None:
    session.info.pop(_QUEUED, None)


def install_doorbell() -> None:
    """Ring DOORBELL after every commit of an ORM session that added outbox rows."""
    hooks = (("after_flush", _note_queued), ("after_commit", _ring_if_queued))
    for name, hook in (*hooks, ("after_rollback", _forget_queued)):
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)


def pause(stop_event: threading.Event, interval: float, doorbell: Doorbell = DOORBELL) -> None:
    """Wait `interval` seconds, less if the doorbell rings or the worker is told to stop."""
    deadline = time.monotonic() + interval
    while not stop_event.is_set():
        left = deadline - time.monotonic()
        if left <= 0 or doorbell.wait(min(left, STOP_CHECK_SECONDS)):
            return


def deliver_all_due(
    *,
    engine: Engine,
    server_key: SecretStr | str | None,
    client: httpx.Client,
    config: WebhookConfig | None = None,
    now: datetime | None = None,
    worker_id: str | None = None,
) -> DeliverySummary:
    """Pass after pass until nothing is due (failures are rescheduled into the future)."""
    total = DeliverySummary()
    while True:
        summary = deliver_due(
            engine=engine,
            server_key=server_key,
            client=client,
            config=config,
            now=now,
            worker_id=worker_id,
        )
        total.add(summary)
        if summary.attempted == 0:
            return total


def run(
    *,
    engine: Engine,
    server_key: SecretStr | str | None,
    stop_event: threading.Event,
    config: WebhookConfig | None = None,
    interval: float | None = None,
    worker_id: str | None = None,
    report: PassReport | None = None,
) -> DeliverySummary:
    """Deliver until `stop_event` is set: a full batch goes on at once, else wait `interval`
    or until a commit in this process queues deliveries.

    A database that cannot be reached is logged and tried again after the interval, so a
    worker outlives a restart of the database.
    """
    server_key_bytes(server_key)
    install_doorbell()
    config = config or WebhookConfig()
    interval = config.poll_interval_seconds if interval is None else interval
    worker_id = worker_id or default_worker_id()
    total = DeliverySummary()
    with httpx.Client(timeout=config.request_timeout_seconds) as client:
        while not stop_event.is_set():
            try:
                summary = deliver_due(
                    engine=engine,
                    server_key=server_key,
                    client=client,
                    config=config,
                    worker_id=worker_id,
                )
            except SQLAlchemyError:
                log.exception("webhook worker %s: database error; retrying", worker_id)
                stop_event.wait(interval)
                continue
            total.add(summary)
            if summary.attempted and report is not None:
                report(summary)
            if summary.attempted < config.batch_size:
                pause(stop_event, interval)
    return total


def start_thread(
    *,
    engine: Engine,
    server_key: SecretStr | str | None,
    config: WebhookConfig | None = None,
    interval: float | None = None,
) -> tuple[threading.Thread, threading.Event]:
    """Run the worker in a daemon thread (as `leadflow serve` does); set the event to stop."""
    server_key_bytes(server_key)
    stop_event = threading.Event()
    thread = threading.Thread(
        target=run,
        kwargs={
            "engine": engine,
            "server_key": server_key,
            "stop_event": stop_event,
            "config": config,
            "interval": interval,
        },
        name="leadflow-webhooks",
        daemon=True,
    )
    thread.start()
    return thread, stop_event


def webhook_delivery(engine: Engine, stop: threading.Event) -> None:
    """The loop `leadflow serve` runs beside the API (an api.background.BackgroundLoop)."""
    settings = load_settings()
    if settings.secret_key is None:
        # Without a key no subscription can exist, so there is nothing to deliver.
        log.info("webhook delivery not started: no secret_key is configured")
        return
    run(engine=engine, server_key=settings.secret_key, stop_event=stop, config=settings.webhooks)
