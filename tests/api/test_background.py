"""Background loops run beside the API while it is up, and stop when it shuts down."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from leadflow.api.app import create_app
from leadflow.config import load_settings


def test_loops_run_while_the_server_is_up_and_stop_with_it(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    rounds: list[int] = []
    started = threading.Event()
    stopped = threading.Event()

    def counting_loop(engine: Engine, stop: threading.Event) -> None:
        while not stop.is_set():
            with engine.connect() as connection:
                rounds.append(connection.execute(text("SELECT 1")).scalar_one())
            started.set()
            stop.wait(0.01)
        stopped.set()

    def failing_loop(engine: Engine, stop: threading.Event) -> None:
        raise RuntimeError("broken loop")

    app = create_app(load_settings(database_url=sqlite_url), loops=[counting_loop, failing_loop])
    with TestClient(app) as client:
        assert started.wait(5), "the loop never ran"
        assert client.get("/healthz").status_code == 200
        assert not stopped.is_set()
    assert stopped.is_set(), "shutdown did not stop the loop"
    assert rounds and set(rounds) == {1}
    assert any("failing_loop stopped with an error" in r.getMessage() for r in caplog.records)


def test_the_server_sweeps_sla_breaches(sqlite_url: str) -> None:
    import time
    from datetime import timedelta

    from sqlalchemy import select

    from leadflow.api.app import SERVER_LOOPS
    from leadflow.leads.models import Lead
    from leadflow.lifecycle.flows import handoff
    from leadflow.sla.models import SlaTimer
    from leadflow.storage.base import utcnow
    from leadflow.storage.database import open_store, session_factory, transaction
    from leadflow.users.models import User

    settings = load_settings(database_url=sqlite_url)
    engine = open_store(sqlite_url)
    with transaction(engine) as session:
        session.add(User(email="rep@acme.example", name="Rep", role="sales"))
        long_ago = utcnow() - timedelta(days=10)
        lead = Lead(email="buyer@bigco.example", created_at=long_ago, stage_changed_at=long_ago)
        session.add(lead)
        session.flush()
        handoff(session=session, lead=lead, at=long_ago, settings=settings)

    def breached() -> bool:
        with session_factory(engine)() as session:
            statuses = session.scalars(select(SlaTimer.status).order_by(SlaTimer.id)).all()
        return statuses[:1] == ["breached"]

    assert not breached()
    with TestClient(create_app(settings, loops=SERVER_LOOPS)):
        deadline = time.monotonic() + 30
        while not breached():
            assert time.monotonic() < deadline, "the server never swept the overdue MQL"
            time.sleep(0.1)
    engine.dispose()
