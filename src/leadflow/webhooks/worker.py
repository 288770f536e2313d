"""The delivery worker: passes over the outbox until told to stop, or until nothing is due."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

import httpx
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from leadflow.config import load_settings
from leadflow.webhooks.config import WebhookConfig
from leadflow.webhooks.delivery import DeliverySummary, default_worker_id, deliver_due
from leadflow.webhooks.signing import server_key_bytes

log = logging.getLogger(__name__)

PassReport = Callable[[DeliverySummary], None]


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
    """Deliver until `stop_event` is set: a full batch goes on at once, else wait `interval`.

    A database that cannot be reached is logged and tried again after the interval, so a
    worker outlives a restart of the database.
    """
    server_key_bytes(server_key)
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
                stop_event.wait(interval)
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
