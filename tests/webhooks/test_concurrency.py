"""Two worker processes on one outbox never send a delivery twice; emitters keep lead order."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, select, text

from leadflow.leads.models import Lead
from leadflow.storage.database import session_factory, transaction
from leadflow.webhooks import service
from leadflow.webhooks.models import DeliveryStatus, WebhookDelivery
from leadflow.webhooks.outbox import emit

if TYPE_CHECKING:
    from conftest import Receiver

CLI = "from leadflow.cli.app import main; main()"


def _worker(db_url: str, worker_id: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            CLI,
            "webhooks",
            "run",
            "--once",
            "--db",
            db_url,
            "--worker-id",
            worker_id,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_two_worker_processes_send_each_delivery_once(
    engine: Engine, db_url: str, receiver: Receiver, server_key: str, tmp_path: Path
) -> None:
    with transaction(engine) as session:
        _, secret = service.subscribe(
            session=session, url=receiver.url(), event_types=["*"], server_key=server_key
        )
        for seq in range(4):
            for lead_id in range(1, 31):
                emit(
                    session=session,
                    event_type="lead.stage_changed",
                    data={"lead_id": lead_id, "seq": seq},
                    lead_id=lead_id,
                )
    receiver.secrets["/hooks"] = [secret]
    # Both workers are provably sending at once: the first request waits for a second.
    receiver.gate_seconds = 30
    config = tmp_path / "leadflow.toml"
    config.write_text("[webhooks]\nrequest_timeout_seconds = 60\n")
    env = os.environ | {"LEADFLOW_SECRET_KEY": server_key, "LEADFLOW_CONFIG": str(config)}
    workers = [_worker(db_url, name, env) for name in ("worker-1", "worker-2")]
    outputs = [worker.communicate(timeout=180)[0] for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs

    assert receiver.max_in_flight >= 2
    hits = Counter(receiver.hits)
    assert len(hits) == 120 and set(hits.values()) == {1}, "no delivery was sent twice"
    assert not receiver.invalid
    for (_path, _lead), seqs in receiver.processed_order().items():
        assert seqs == [0, 1, 2, 3]
    with session_factory(engine)() as session:
        deliveries = session.scalars(select(WebhookDelivery)).all()
    assert {d.status for d in deliveries} == {DeliveryStatus.DELIVERED}
    assert {d.last_worker for d in deliveries} == {"worker-1", "worker-2"}


def _wait_for_a_blocked_transaction(engine: Engine) -> None:
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + 30
    with engine.connect() as connection:
        while connection.execute(waiting).scalar_one() == 0:
            assert time.monotonic() < deadline, "the second emitter never waited"
            # Statistics views are a snapshot per transaction: end it to see new waits.
            connection.rollback()
            time.sleep(0.05)


@pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_a_second_emitter_for_a_lead_waits_for_the_first_to_commit(engine: Engine) -> None:
    with transaction(engine) as session:
        lead = Lead(email="ann@acme.com")
        session.add(lead)
        session.flush()
        lead_id = lead.id
        service.subscribe(
            session=session,
            url="http://127.0.0.1:9/hooks",
            event_types=["*"],
            server_key="k" * 32,
        )
    first = session_factory(engine)()
    emit(session=first, event_type="lead.mql", data={"seq": 0}, lead_id=lead_id)

    def second_emitter() -> None:
        with transaction(engine) as session:
            emit(session=session, event_type="lead.assigned", data={"seq": 1}, lead_id=lead_id)

    thread = threading.Thread(target=second_emitter)
    thread.start()
    try:
        _wait_for_a_blocked_transaction(engine)
        # The first transaction numbers its delivery only now, after the second began.
        first.commit()
    finally:
        first.close()
        thread.join(timeout=30)
    with session_factory(engine)() as session:
        types = session.scalars(select(WebhookDelivery.event_type).order_by(WebhookDelivery.id))
        assert list(types) == ["lead.mql", "lead.assigned"]
