"""The sweeper: claims due timers, marks breaches and escalates, in small transactions.

On PostgreSQL each batch is claimed with `SELECT ... FOR UPDATE SKIP LOCKED` on the timer and
its lead, so any number of workers sweep side by side and none handles a timer twice; a
worker never waits on a row another holds. On SQLite it runs in-process, one sweeper at a time.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, select

from leadflow.config import Settings, load_settings
from leadflow.leads.models import Lead
from leadflow.sla.escalation import handle_breach
from leadflow.sla.models import SlaTimer, TimerStatus
from leadflow.storage.base import utcnow
from leadflow.storage.database import transaction

log = logging.getLogger(__name__)


@dataclass
class SweepSummary:
    """What one sweep did."""

    worker_id: str
    claimed: int = 0
    breached: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    timer_ids: list[int] = field(default_factory=list)


def default_worker_id() -> str:
    """host:pid, unique among the workers sweeping one database."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _sweep_batch(
    engine: Engine, now: datetime, settings: Settings, worker_id: str, summary: SweepSummary
) -> int:
    batch = settings.sla.batch_size
    with transaction(engine) as session:
        query = (
            select(SlaTimer, Lead)
            .join(Lead, Lead.id == SlaTimer.lead_id)
            .where(SlaTimer.status == TimerStatus.OPEN, SlaTimer.due_at <= now)
            .order_by(SlaTimer.due_at, SlaTimer.id)
            .limit(batch)
        )
        if engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=[SlaTimer, Lead])
        rows = session.execute(query).all()
        for timer, lead in rows:
            timer.claimed_by, timer.claimed_at = worker_id, now
            outcome = handle_breach(
                session=session,
                timer=timer,
                lead=lead,
                now=now,
                settings=settings,
                actor=f"sla:{worker_id}",
            )
            summary.claimed += 1
            summary.breached += outcome != "closed"
            summary.outcomes[outcome] = summary.outcomes.get(outcome, 0) + 1
            summary.timer_ids.append(timer.id)
    return len(rows)


def run_once(
    *,
    engine: Engine,
    now: datetime | None = None,
    worker_id: str | None = None,
    settings: Settings | None = None,
) -> SweepSummary:
    """Handle every timer due at `now` (default: the current time), batch by batch."""
    settings = settings or load_settings()
    now = now or utcnow()
    summary = SweepSummary(worker_id=worker_id or default_worker_id())
    while _sweep_batch(engine, now, settings, summary.worker_id, summary) == (
        settings.sla.batch_size
    ):
        pass
    return summary


def run_forever(
    *,
    engine: Engine,
    stop: threading.Event,
    settings: Settings | None = None,
    interval: float | None = None,
    worker_id: str | None = None,
) -> None:
    """Sweep every `interval` seconds until `stop` is set; errors are logged, not fatal."""
    settings = settings or load_settings()
    pause = interval if interval is not None else settings.sla.interval_seconds
    while not stop.is_set():
        try:
            summary = run_once(engine=engine, worker_id=worker_id, settings=settings)
            if summary.claimed:
                log.info("sla sweep: %s", summary)
        except Exception:
            log.exception("sla sweep failed; retrying in %s s", pause)
        stop.wait(pause)


def sla_sweeper(engine: Engine, stop: threading.Event) -> None:
    """The loop `leadflow serve` runs beside the API (an api.background.BackgroundLoop)."""
    run_forever(engine=engine, stop=stop)
