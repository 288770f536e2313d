"""A real receiver that fails in every way a receiver fails (429 with Retry-After, 500, a
timeout, an answer cut off, down for an hour or a day), under a simulated clock: every event
is delivered afterwards, once, in order per lead, retried on the documented schedule; dead
after the documented limit, and replayable."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import httpx
import pytest
from sqlalchemy import Engine, select

from leadflow.storage.base import utcnow
from leadflow.storage.database import session_factory, transaction
from leadflow.webhooks import service
from leadflow.webhooks.backoff import nominal_delay
from leadflow.webhooks.config import WebhookConfig
from leadflow.webhooks.delivery import deliver_due
from leadflow.webhooks.models import DeliveryStatus, WebhookDelivery
from leadflow.webhooks.outbox import emit

if TYPE_CHECKING:
    from conftest import Receiver

LEADS = (201, 202, 203)
PER_LEAD = 3
# The documented defaults (docs/webhooks.md): base 60 s, cap 6 h, jitter 0.2, 8 attempts.
DEFAULTS = WebhookConfig(request_timeout_seconds=0.5)


def _queue(engine: Engine, receiver: Receiver, server_key: str) -> set[str]:
    """Subscribe the receiver, then queue PER_LEAD changes per lead, interleaved."""
    with transaction(engine) as session:
        _, secret = service.subscribe(
            session=session, url=receiver.url(), event_types=["*"], server_key=server_key
        )
    receiver.secrets["/hooks"] = [secret]
    for seq in range(PER_LEAD):
        for lead_id in LEADS:
            with transaction(engine) as session:
                emit(session=session, event_type="lead.stage_changed",
                     data={"lead_id": lead_id, "seq": seq}, lead_id=lead_id)  # fmt: skip
    return {d.message_id for d in _deliveries(engine)}


def _deliveries(engine: Engine) -> list[WebhookDelivery]:
    with session_factory(engine)() as session:
        return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def _next_due(engine: Engine, after: datetime) -> datetime | None:
    """When a pending delivery next falls due after `after` (those due now but held back by
    an older one for their lead go in the same pass as it)."""
    pending = [d for d in _deliveries(engine) if d.status == DeliveryStatus.PENDING]
    return min((d.next_attempt_at for d in pending if d.next_attempt_at > after), default=None)


class Schedule:
    """Every failed attempt's wait, checked against the documented backoff as it happens."""

    def __init__(self, config: WebhookConfig, retry_after: float = 0.0) -> None:
        self.config, self.retry_after, self.seen = config, retry_after, 0

    def check(self, engine: Engine, at: datetime) -> None:
        """The deliveries attempted at `at` that failed wait as documented."""
        for d in _deliveries(engine):
            if d.last_attempt_at != at or d.status != DeliveryStatus.PENDING or not d.attempts:
                continue
            nominal = nominal_delay(
                d.attempts, base=self.config.backoff_base_seconds,
                cap=self.config.backoff_cap_seconds,
            )  # fmt: skip
            shortest = max(nominal * (1 - self.config.backoff_jitter), self.retry_after)
            wait = (d.next_attempt_at - at).total_seconds()
            assert shortest - 0.001 <= wait <= max(nominal, self.retry_after) + 0.001, (
                d.id, d.attempts, wait)  # fmt: skip
            self.seen += 1


def _drive(
    engine: Engine, server_key: str, config: WebhookConfig, start: datetime, until: datetime,
    schedule: Schedule,
) -> datetime:  # fmt: skip
    """Attempt whatever is due, jumping the clock to the next due time, until `until` or
    nothing is pending; the clock's last reading."""
    at = start
    with httpx.Client() as client:
        while at <= until:
            deliver_due(engine=engine, server_key=server_key, client=client, config=config, now=at)
            schedule.check(engine, at)
            due = _next_due(engine, at)
            if due is None:
                break
            at = due
    return at


def _assert_all_delivered_once_in_order(engine: Engine, receiver: Receiver, ids: set[str]) -> None:
    deliveries = _deliveries(engine)
    assert {d.status for d in deliveries} == {DeliveryStatus.DELIVERED}
    assert set(receiver.processed) == ids and not receiver.invalid
    for (_path, lead_id), seqs in receiver.processed_order().items():
        assert seqs == list(range(PER_LEAD)), lead_id


@pytest.mark.parametrize("fault", ["429", "500", "lose-responses", "cut-responses"])
def test_a_failing_receiver_gets_every_event_once_in_order_on_schedule(
    engine: Engine, receiver: Receiver, server_key: str, fault: str
) -> None:
    ids = _queue(engine, receiver, server_key)
    receiver.mode, receiver.retry_after = fault, "300"
    schedule = Schedule(DEFAULTS, retry_after=300.0 if fault == "429" else 0.0)
    t0 = utcnow()
    # Each lead's oldest message fails three times, tried when the schedule says.
    at = t0
    with httpx.Client() as client:
        while min((d.attempts for d in _deliveries(engine)[: len(LEADS)]), default=0) < 3:
            summary = deliver_due(
                engine=engine, server_key=server_key, client=client, config=DEFAULTS, now=at
            )
            assert summary.delivered == 0
            schedule.check(engine, at)
            at = _next_due(engine, at) or at
    heads = [d for d in _deliveries(engine) if d.attempts]
    assert {d.attempts for d in heads} == {3} and len(heads) == len(LEADS)
    if fault == "429":
        # Retry-After 300 s outlasts the 60 s and 120 s of the schedule: it is honoured.
        assert {d.last_status_code for d in heads} == {429}
    receiver.mode = "up"
    _drive(engine, server_key, DEFAULTS, at, at + timedelta(days=1), schedule)
    assert schedule.seen == 3 * len(LEADS)
    _assert_all_delivered_once_in_order(engine, receiver, ids)
    if fault in ("lose-responses", "cut-responses"):
        # The receiver processed the first try; the retries it saw again were not redone.
        assert len(receiver.hits) > len(receiver.processed)


def test_an_hour_down_is_retried_on_schedule_and_then_delivered(
    engine: Engine, receiver: Receiver, server_key: str
) -> None:
    ids = _queue(engine, receiver, server_key)
    receiver.stop()
    t0 = utcnow()
    schedule = Schedule(DEFAULTS)
    at = _drive(engine, server_key, DEFAULTS, t0, t0 + timedelta(hours=1), schedule)
    heads = [d for d in _deliveries(engine) if d.attempts]
    # Attempts at most 0, 1, 3, 7, 15, 31 and 63 minutes in (jitter only brings them
    # forward): six or seven within the hour, none dead yet.
    assert {d.attempts for d in heads} <= {6, 7} and {d.status for d in heads} == {"pending"}
    receiver.start()
    _drive(engine, server_key, DEFAULTS, at, at + timedelta(days=1), schedule)
    _assert_all_delivered_once_in_order(engine, receiver, ids)


def test_a_day_down_kills_every_delivery_at_the_limit_and_a_replay_delivers_them(
    engine: Engine, receiver: Receiver, server_key: str
) -> None:
    ids = _queue(engine, receiver, server_key)
    receiver.stop()
    t0 = utcnow()
    schedule = Schedule(DEFAULTS)
    at = _drive(engine, server_key, DEFAULTS, t0, t0 + timedelta(days=1), schedule)
    deliveries = _deliveries(engine)
    assert {(d.status, d.attempts) for d in deliveries} == {("dead", DEFAULTS.max_attempts)}
    # Each message died about two hours after its first attempt, then the next went.
    assert at - t0 < timedelta(hours=3 * PER_LEAD)
    receiver.start()
    with transaction(engine) as session:
        replayed = service.replay(session=session, dead=True, now=t0 + timedelta(days=1))
    assert len(replayed) == len(ids)
    _drive(engine, server_key, DEFAULTS, t0 + timedelta(days=1), t0 + timedelta(days=2), schedule)
    _assert_all_delivered_once_in_order(engine, receiver, ids)
