"""`leadflow serve` in a subprocess on a free port, with two workers, called over real HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from leadflow.storage.database import open_store, transaction
from leadflow.users import keys, service
from leadflow.users.models import Role
from leadflow.users.schemas import UserCreate

LEADFLOW = Path(sys.executable).with_name("leadflow")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def admin_key(db_url: str) -> str:
    engine = open_store(db_url)
    with transaction(engine) as session:
        user_in = UserCreate(email="ops@acme.test", name="Ops", role=Role.ADMIN)
        admin = service.create(session=session, user_in=user_in)
        _, token = keys.create(session=session, user_id=admin.id, name="smoke")
    engine.dispose()
    return token


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a running `leadflow serve`; stopped (by its pid) at the end."""
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("LEADFLOW_")}
    process = subprocess.Popen(
        [str(LEADFLOW), "serve", "--port", str(port), "--workers", "2", "--db", db_url],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                output = process.stdout.read() if process.stdout else ""
                pytest.fail(f"leadflow serve exited {process.returncode}:\n{output}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("leadflow serve did not answer /healthz within 60 s")
            time.sleep(0.2)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_serve_answers_over_http(server: str, admin_key: str) -> None:
    with httpx.Client(base_url=server, timeout=10) as client:
        for _ in range(4):  # more calls than workers: each worker built its own app
            me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {admin_key}"})
            assert me.status_code == 200, me.text
            assert me.json()["user"]["email"] == "ops@acme.test"
        assert client.get("/api/v1/me").status_code == 401
        assert client.get("/openapi.json").json()["info"]["title"] == "leadflow"
        assert "swagger" in client.get("/docs").text.lower()
