"""Two sweeper processes on one PostgreSQL database: every breach escalated exactly once."""

import json
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from leadflow.config import Settings
from leadflow.leads.models import Lead
from leadflow.lifecycle.flows import handoff
from leadflow.routing.models import LeadAssignment
from leadflow.sla.models import SlaTimer
from leadflow.storage.database import create_store_engine, session_factory, transaction
from leadflow.users.models import User
from leadflow.webhooks.models import WebhookDelivery, WebhookSubscription

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
LEADS = 80
SWEEP_AT = T0 + timedelta(days=2)
SETTINGS = {"sla": {"batch_size": 3}}

# Each worker waits for a common start time, so that both sweep the same due timers at once.
WORKER = """
import json, sys, time
from datetime import datetime
from leadflow.config import Settings
from leadflow.sla.sweeper import run_once
from leadflow.storage.database import create_store_engine

url, name, start, now, sections = sys.argv[1:6]
engine = create_store_engine(url)
engine.connect().close()
settings = Settings(database_url="sqlite://", time_zone="UTC", **json.loads(sections))
time.sleep(max(0.0, float(start) - time.time()))
summary = run_once(
    engine=engine, now=datetime.fromisoformat(now), worker_id=name, settings=settings
)
print(json.dumps({"timers": summary.timer_ids, "outcomes": summary.outcomes}))
"""


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_worker_processes_escalate_each_breach_exactly_once(db_url: str) -> None:
    settings = Settings(database_url="sqlite://", time_zone="UTC", **SETTINGS)
    engine = create_store_engine(db_url)
    with transaction(engine) as session:
        session.add(
            WebhookSubscription(url="http://127.0.0.1:9/", event_types=["*"], secret_salt="s")
        )
        for i in range(5):
            session.add(User(email=f"rep{i}@x.com", name=f"Rep {i}", role="sales"))
        session.flush()
        for i in range(LEADS):
            born = T0 - timedelta(days=1)
            lead = Lead(email=f"l{i}@c{i}.com", created_at=born, stage_changed_at=born)
            session.add(lead)
            session.flush()
            handoff(session=session, lead=lead, at=T0, settings=settings)
    start = time.time() + 3
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, db_url, f"w{n}", str(start), SWEEP_AT.isoformat(),
             json.dumps(SETTINGS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in (1, 2)
    ]  # fmt: skip
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    handled = [set(r["timers"]) for r in results]
    assert all(handled), f"both workers should have claimed timers: {results}"
    assert not handled[0] & handled[1]

    with session_factory(engine)() as session:
        first_timers = set(session.scalars(select(SlaTimer.id).where(SlaTimer.started_at == T0)))
        assert handled[0] | handled[1] == first_timers and len(first_timers) == LEADS
        breached = session.scalars(select(SlaTimer).where(SlaTimer.status == "breached")).all()
        assert len(breached) == LEADS
        assert Counter(t.claimed_by for t in breached) == {
            "w1": len(handled[0]),
            "w2": len(handled[1]),
        }
        events = Counter(
            (d.event_type, d.payload["data"].get("timer_id"))
            for d in session.scalars(select(WebhookDelivery))
            if d.event_type.startswith("sla.")
        )
        for timer_id in first_timers:
            assert events[("sla.breached", timer_id)] == 1
            assert events[("sla.escalated", timer_id)] == 1
        escalations = Counter(
            session.scalars(
                select(LeadAssignment.lead_id).where(LeadAssignment.method == "escalation")
            )
        )
        assert len(escalations) == LEADS and set(escalations.values()) == {1}
        reopened = session.scalar(
            select(func.count()).select_from(SlaTimer).where(SlaTimer.status == "open")
        )
        assert reopened == LEADS
    engine.dispose()
