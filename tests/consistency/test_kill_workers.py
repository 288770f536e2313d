"""SIGKILL at seeded random points during a batch rescore, SLA sweeping and webhook delivery:
after every kill the store is consistent, and the same command run again completes with
nothing lost and nothing done twice (exact counts)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update
from tests.webhooks.conftest import SERVER_KEY, Receiver

from leadflow.config import Settings
from leadflow.leads.models import Lead
from leadflow.lifecycle.models import StageChange
from leadflow.routing.models import LeadAssignment
from leadflow.scoring.models import ScoreRecord
from leadflow.sla.models import SlaTimer
from leadflow.storage.database import session_factory, transaction
from leadflow.webhooks import service
from leadflow.webhooks.models import DeliveryStatus, WebhookDelivery

from .conftest import Cli, consistent, write_activities
from .processes import kill_offsets, run_until_killed

KILLS = 20
# Seconds into a run that kill points are drawn from: the run's working part on a loaded
# two-core machine (started from the fork server, a command begins at once).
WINDOW = 1.5


def _count(engine: Engine, statement: object) -> int:
    with session_factory(engine)() as session:
        return session.scalar(statement) or 0  # type: ignore[arg-type]


def _kill_repeatedly(
    cli: Cli, engine: Engine, settings: Settings, args: list[str], seed: int, between=None
) -> int:
    """Kill `leadflow ARGS` at KILLS seeded points, checking the store after each; how many
    kills hit a running command (the rest found it finished)."""
    hits = 0
    for number, offset in enumerate(kill_offsets(seed, KILLS, WINDOW), 1):
        hits += run_until_killed(cli.args(*args), cli.log, offset)
        consistent(engine, settings, f"after kill {number} at {offset:.2f} s of {args[:2]}")
        if between is not None:
            between()
    return hits


@pytest.mark.slow
def test_a_killed_batch_rescore_leaves_a_consistent_store_and_completes(
    cli: Cli, modelled: Engine, settings: Settings, tmp_path: Path
) -> None:
    leads = 100
    cli.run("import", "activities", str(write_activities(
        tmp_path / "a.csv", rows=2_000, leads=leads, seed=1)), "--no-score")  # fmt: skip
    hits = _kill_repeatedly(cli, modelled, settings, ["score"], seed=11)
    cli.run("score")
    consistent(modelled, settings, "after the final run")
    with session_factory(modelled)() as session:
        scores = session.scalars(select(ScoreRecord)).all()
        moves = select(StageChange.to_stage, func.count()).group_by(StageChange.to_stage)
        into = dict(session.execute(moves).all())
        stages = dict(session.execute(select(Lead.id, Lead.stage)).all())
        assignments = session.scalar(select(func.count()).select_from(LeadAssignment))
        timers = session.scalar(select(func.count()).select_from(SlaTimer))
    mqls = {s.lead_id for s in scores if s.is_mql and s.disqualified_by is None}
    junk = {s.lead_id for s in scores if s.disqualified_by is not None}
    assert len(scores) == len(stages) == leads
    assert mqls and {stages[i] for i in mqls} == {"mql"}
    assert {stages[i] for i in junk} <= {"disqualified"}
    # Each lead moved once: no handoff, assignment or clock doubled by a re-run.
    assert into.get("mql") == len(mqls) and into.get("disqualified", 0) == len(junk)
    assert assignments == timers == len(mqls)
    assert hits >= KILLS // 4, f"only {hits} of {KILLS} kills hit a running rescore"


@pytest.mark.slow
def test_a_killed_sla_sweeper_breaches_every_due_timer_once(
    cli: Cli, modelled: Engine, settings: Settings, tmp_path: Path
) -> None:
    # Handed to sales a week ago: every 4-business-hour deadline has passed.
    week_ago = datetime.now(UTC).replace(microsecond=0) - timedelta(days=7)
    events = write_activities(tmp_path / "a.csv", rows=1_500, leads=100, seed=2, end=week_ago)
    cli.run("import", "activities", str(events), "--no-score")
    cli.run("score", "--as-of", week_ago.isoformat())
    due = _count(modelled, select(func.count()).select_from(SlaTimer))
    assert due > 0
    hits = _kill_repeatedly(cli, modelled, settings, ["sla", "run", "--interval", "0.05"], seed=12)
    cli.run("sla", "run", "--once")
    consistent(modelled, settings, "after the final sweep")
    with session_factory(modelled)() as session:
        timers = session.scalars(select(SlaTimer).order_by(SlaTimer.id)).all()
        escalations = session.scalar(
            select(func.count()).where(LeadAssignment.method == "escalation")
        )
    first = timers[:due]
    assert {t.status for t in first} == {"breached"}
    reassigned = [t for t in first if t.escalation == "reassigned"]
    # One escalation per breach, and a fresh clock for each reassigned lead, none twice.
    assert escalations == len(reassigned) == len(timers) - due
    assert hits >= KILLS // 4, f"only {hits} of {KILLS} kills hit a running sweeper"


@pytest.mark.slow
def test_killed_webhook_workers_deliver_every_event_once_in_order(
    cli: Cli, modelled: Engine, settings: Settings, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("LEADFLOW_SECRET_KEY", SERVER_KEY)
    monkeypatch.setenv("LEADFLOW_WEBHOOKS", '{"request_timeout_seconds": 2}')
    receiver = Receiver()
    receiver.start()
    try:
        with transaction(modelled) as session:
            _, secret = service.subscribe(
                session=session, url=receiver.url(), event_types=["*"], server_key=SERVER_KEY
            )
        receiver.secrets["/hooks"] = [secret]
        cli.run("import", "activities", str(write_activities(
            tmp_path / "a.csv", rows=1_500, leads=100, seed=3, demo_share=0.05)))  # fmt: skip
        queued = _count(modelled, select(func.count()).select_from(WebhookDelivery))
        assert queued > 20

        def leases_expire() -> None:
            # The clock passes a killed worker's lease, as it would in a minute.
            with transaction(modelled) as session:
                session.execute(
                    update(WebhookDelivery)
                    .where(WebhookDelivery.status == DeliveryStatus.PENDING)
                    .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
                )

        hits = _kill_repeatedly(
            cli, modelled, settings, ["webhooks", "run", "--interval", "0.05"], seed=13,
            between=leases_expire,
        )  # fmt: skip
        leases_expire()
        cli.run("webhooks", "run", "--once")
    finally:
        receiver.stop()
    consistent(modelled, settings, "after the final delivery run")
    with session_factory(modelled)() as session:
        deliveries = session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    assert len(deliveries) == queued
    assert {d.status for d in deliveries} == {"delivered"}
    assert set(receiver.processed) == {d.message_id for d in deliveries}
    assert not receiver.invalid
    # Per lead, the receiver first saw each message in the order they were queued.
    position = {message_id: i for i, message_id in enumerate(receiver.processed)}
    by_lead: dict[int | None, list[int]] = {}
    for delivery in deliveries:
        by_lead.setdefault(delivery.lead_id, []).append(position[delivery.message_id])
    assert all(order == sorted(order) for order in by_lead.values())
    assert hits >= KILLS // 4, f"only {hits} of {KILLS} kills hit a delivering worker"
