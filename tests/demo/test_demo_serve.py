"""`leadflow demo --serve`: builds a world, prints a login per role, and serves the dashboard
with them (a real process on a free port, logged in over real HTTP)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from tests.web.conftest import csrf_of, free_port

LEADFLOW = Path(sys.executable).with_name("leadflow")
LOGIN_LINE = re.compile(r"^\s+(admin|marketing|manager|sales)\s+(\S+@\S+)\s+password (\S+)", re.M)


def test_demo_serve_prints_logins_that_open_the_dashboard(tmp_path: Path) -> None:
    port = free_port()
    output = tmp_path / "demo.out"
    env = {key: value for key, value in os.environ.items() if not key.startswith("LEADFLOW_")}
    command = [str(LEADFLOW), "demo", "--leads", "60", "--months", "2", "--serve"]
    with output.open("w") as sink:
        process = subprocess.Popen(
            [*command, "--port", str(port), "--db", f"sqlite:///{tmp_path / 'demo.db'}"],
            cwd=tmp_path,
            env={**env, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                pytest.fail(f"demo --serve exited {process.returncode}:\n{output.read_text()}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"demo --serve did not answer within 180 s:\n{output.read_text()}")
            time.sleep(0.5)
        printed = output.read_text()
        logins = {role: (email, password) for role, email, password in LOGIN_LINE.findall(printed)}
        assert set(logins) == {"admin", "marketing", "manager", "sales"}, printed
        assert "sessions are signed with a key made for this run" in printed
        with httpx.Client(base_url=url, timeout=10) as client:
            for role, expected in (("admin", 200), ("sales", 403)):
                client.cookies.clear()
                email, password = logins[role]
                token = csrf_of(client.get("/login").text)
                form = {"email": email, "password": password, "csrf_token": token}
                assert client.post("/login", data=form).status_code == 303
                assert client.get("/settings").status_code == expected
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
