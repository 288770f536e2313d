"""A production layout on one PostgreSQL: three API servers, SLA sweepers, webhook workers.

Three `leadflow serve` processes (each with its own sweeper and delivery loop) and two more
`leadflow sla run` and `leadflow webhooks run` processes share one database. Events go to
the servers in turn, each event twice (to two servers, at once); demo requests make MQLs,
whose one-second SLA breaches. Then: every event is stored once; every webhook is delivered
once (one attempt, the receiver being up) and each lead's webhooks arrive in the order they
were emitted; every breach is escalated once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from sqlalchemy import Engine, func, select

from leadflow.activities.models import Activity
from leadflow.leads.models import Lead
from leadflow.scoring import parse_model, starter_model_text
from leadflow.scoring.versions import activate, record_version
from leadflow.sla.models import SlaTimer
from leadflow.storage.database import session_factory, transaction
from leadflow.users import keys
from leadflow.users.models import User
from leadflow.webhooks import service
from leadflow.webhooks.models import DeliveryStatus, WebhookDelivery

if TYPE_CHECKING:
    from conftest import Receiver

LEADFLOW = Path(sys.executable).with_name("leadflow")
LEADS = 24
# Bounds: start-up (imports on a loaded machine are slow), then the work itself.
STARTUP_SECONDS = 180
DEADLINE_SECONDS = 45
CONFIG = """
[sla]
working_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
working_hours = "00:00-23:59"
interval_seconds = 0.3
batch_size = 2
[sla.policies.mql]
within = "0.02 minutes"
escalate = "manager"
[webhooks]
poll_interval_seconds = 0.2
batch_size = 3
"""


def free_port() -> int:
    """A local TCP port nobody listens on."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare(engine: Engine, receiver: Receiver, server_key: str) -> str:
    """Reps under a manager, the starter model in force, a subscription; an admin's key."""
    with transaction(engine) as session:
        manager = User(email="boss@acme.test", name="Boss", role="admin")
        session.add(manager)
        session.flush()
        for i in range(3):
            session.add(User(email=f"rep{i}@acme.test", name=f"Rep {i}", role="sales",
                             manager_id=manager.id))  # fmt: skip
        for i in range(LEADS):
            session.add(Lead(email=f"buyer{i}@corp{i}.example", country="US"))
        model = parse_model(starter_model_text(), file="starter.yaml")
        record_version(session=session, model=model, source=starter_model_text())
        activate(session=session, version=model.version)
        _, secret = service.subscribe(
            session=session, url=receiver.url(), event_types=["*"], server_key=server_key
        )
        _, token = keys.create(session=session, user_id=manager.id, name="load")
    receiver.secrets["/hooks"] = [secret]
    return token


@pytest.fixture
def cluster(
    db_url: str, tmp_path: Path, server_key: str
) -> Iterator[tuple[list[str], list[subprocess.Popen[bytes]]]]:
    """Three API servers and two extra sweepers and delivery workers, stopped by pid."""
    config = tmp_path / "leadflow.toml"
    config.write_text(CONFIG)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADFLOW_")}
    env |= {"LEADFLOW_CONFIG": str(config), "LEADFLOW_SECRET_KEY": server_key}
    ports = [free_port() for _ in range(3)]
    commands = [[str(LEADFLOW), "serve", "--port", str(port), "--db", db_url] for port in ports]
    commands += [[str(LEADFLOW), "sla", "run", "--worker-id", f"sweeper-{n}", "--db", db_url]
                 for n in (1, 2)]  # fmt: skip
    commands += [[str(LEADFLOW), "webhooks", "run", "--worker-id", f"sender-{n}", "--db", db_url]
                 for n in (1, 2)]  # fmt: skip
    # Output to files: a pipe nobody reads would block a chatty process once it is full.
    logs = [(tmp_path / f"process-{n}.log").open("w") for n in range(len(commands))]
    processes = [
        subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
        for command, log in zip(commands, logs, strict=True)
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for url in urls:
            dead = [n for n, p in enumerate(processes) if p.poll() is not None]
            assert not dead, (tmp_path / f"process-{dead[0]}.log").read_text()
            _wait_for(lambda url=url: _answers(url), "no /healthz answer", STARTUP_SECONDS)
        yield urls, processes
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _wait_for(done: object, message: str, seconds: float = DEADLINE_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while not done():  # type: ignore[operator]
        assert time.monotonic() < deadline, message
        time.sleep(0.2)


@pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_servers_sweepers_and_workers_share_one_database(
    engine: Engine,
    receiver: Receiver,
    server_key: str,
    cluster: tuple[list[str], list[subprocess.Popen[bytes]]],
) -> None:
    token = prepare(engine, receiver, server_key)
    urls, processes = cluster
    headers = {"Authorization": f"Bearer {token}"}
    now = datetime.now(UTC)
    events = []
    for i in range(LEADS):
        email = f"  Buyer{i}@Corp{i}.example "  # found however it is written
        for k, kind in enumerate(["page_view", "email_open", "demo_request"]):
            at = (now - timedelta(minutes=10 - k)).isoformat()
            events.append({"event_id": f"e-{i}-{k}", "type": kind, "occurred_at": at,
                           "email": email, "properties": {"path": "/pricing"}})  # fmt: skip
    # Each event to two servers at once; the servers take turns.
    sends = [(urls[n % 3], event) for n, event in enumerate(events)]
    sends += [(urls[(n + 1) % 3], event) for n, event in enumerate(events)]

    def send(target: tuple[str, dict[str, object]]) -> int:
        url, event = target
        response = httpx.post(f"{url}/api/v1/activities", json=event, headers=headers, timeout=120)
        return response.status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = Counter(pool.map(send, sends))
    assert statuses == {201: len(events), 200: len(events)}, statuses

    def settled() -> bool:
        with session_factory(engine)() as session:
            breached = session.scalar(
                select(func.count()).select_from(SlaTimer).where(SlaTimer.status == "breached")
            )
            pending = session.scalar(
                select(func.count())
                .select_from(WebhookDelivery)
                .where(WebhookDelivery.status != DeliveryStatus.DELIVERED)
            )
        return breached == LEADS and pending == 0 and len(receiver.processed) > 0

    _wait_for(settled, "MQLs did not all breach, or webhooks are still pending")
    assert [p.poll() for p in processes] == [None] * len(processes), "a process died"

    with session_factory(engine)() as session:
        stored = Counter(session.scalars(select(Activity.event_id)))
        deliveries = session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
        timers = session.scalars(select(SlaTimer)).all()
    assert len(stored) == len(events) and set(stored.values()) == {1}

    hits = Counter(receiver.hits)
    assert hits.keys() == {d.message_id for d in deliveries}
    assert set(hits.values()) == {1}, "a webhook was sent twice"
    assert {d.attempts for d in deliveries} == {1}
    assert not receiver.invalid
    emitted: dict[int | None, list[str]] = {}
    for delivery in deliveries:
        emitted.setdefault(delivery.lead_id, []).append(delivery.message_id)
    arrived: dict[int | None, list[str]] = {}
    for message_id in receiver.processed:  # in the order the receiver processed them
        lead = next(d.lead_id for d in deliveries if d.message_id == message_id)
        arrived.setdefault(lead, []).append(message_id)
    assert arrived == emitted, "a lead's webhooks arrived out of order"

    kinds = Counter(d.event_type for d in deliveries)
    assert kinds["lead.mql"] == kinds["sla.breached"] == kinds["sla.escalated"] == LEADS
    escalated = Counter(
        d.payload["data"]["timer_id"] for d in deliveries if d.event_type == "sla.escalated"
    )
    assert set(escalated.values()) == {1}
    assert {t.escalation for t in timers if t.status == "breached"} == {"manager"}
    # The work was shared: more than one process breached timers and sent webhooks.
    assert len({t.claimed_by for t in timers if t.status == "breached"}) > 1
    assert len({d.last_worker for d in deliveries}) > 1
