"""PostgreSQL restarted under ingestion: a real `leadflow serve` on a private cluster while a
client sends batches. Clients see only retriable answers (503 with Retry-After), never a
500; the same server process recovers by itself; every event is stored exactly once."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from tests.conftest import require
from tests.consistency.processes import start, wait_for

from leadflow.activities.models import Activity
from leadflow.storage.database import open_store, session_factory, transaction
from leadflow.users import keys
from leadflow.users.models import User

SCRIPT = Path(__file__).parents[2] / "scripts" / "throwaway-postgres"
BATCHES, PER_BATCH = 60, 20


def _postgres(action: str, folder: Path) -> str:
    done = subprocess.run(
        [str(SCRIPT), action, str(folder)], check=True, capture_output=True, text=True
    )
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


@pytest.mark.postgres
@pytest.mark.slow
def test_a_database_restart_under_ingestion_is_answered_503_and_survived(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    if not os.environ.get("LEADFLOW_TEST_POSTGRES_URL"):
        require("PostgreSQL tests run under scripts/test")
    folder = Path(f"/tmp/leadflow-restart-{os.getpid()}")
    url = _postgres("start", folder)
    log = tmp_path_factory.mktemp("restart") / "serve.log"
    server = None
    try:
        engine = open_store(url)
        with transaction(engine) as session:
            user = User(email="feed@acme.test", name="Feed", role="marketing")
            session.add(user)
            session.flush()
            token = keys.create(session=session, user_id=user.id)[1]
        port = free_port()
        server = start(["serve", "--port", str(port), "--db", url], log)
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _healthy(base), 120, "leadflow serve to answer /healthz")
        statuses: Counter[int] = Counter()
        problems: list[str] = []

        def send_all() -> None:
            headers = {"authorization": f"Bearer {token}"}
            with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
                for number in range(BATCHES):
                    events = [
                        {"event_id": f"r-{number}-{i}", "type": "page_view",
                         "email": f"p{i}@co.example", "occurred_at": "2026-11-01T10:00:00Z",
                         "properties": {"path": "/pricing"}}
                        for i in range(PER_BATCH)
                    ]  # fmt: skip
                    while True:  # re-send until acknowledged, as a client library does
                        answer = client.post("/api/v1/activities/batch", json={"events": events})
                        statuses[answer.status_code] += 1
                        if answer.status_code == 200:
                            break
                        if answer.status_code != 503 or "retry-after" not in answer.headers:
                            problems.append(f"{answer.status_code}: {answer.text[:300]}")
                            return
                        time.sleep(float(answer.headers["retry-after"]) / 4)

        client = threading.Thread(target=send_all)
        client.start()
        wait_for(lambda: sum(statuses.values()) >= 10, 120, "the client to be under way")
        _postgres("restart", folder)
        client.join(300)
        assert not client.is_alive(), "the client never got all its batches acknowledged"
        assert not problems, problems
        assert server.is_alive(), "the server died instead of recovering"
        assert statuses[503] > 0, f"the restart was never noticed: {statuses}"
        assert set(statuses) <= {200, 503}
        with session_factory(engine)() as session:
            stored = session.scalar(select(func.count()).select_from(Activity))
        assert stored == BATCHES * PER_BATCH
        assert "Traceback" not in log.read_text()
        engine.dispose()
    finally:
        if server is not None and server.is_alive():
            server.kill()
            server.join()
        _postgres("stop", folder)


def free_port() -> int:
    """A local TCP port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
