"""What the HTTP benchmarks share: a free port, and a server process that answers /healthz."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

STARTUP_SECONDS = 60


def free_port() -> int:
    """A local TCP port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def leadflow_serve(port: int, *options: str) -> list[str]:
    """The command line of `leadflow serve` from this Python's environment."""
    leadflow = Path(sys.executable).with_name("leadflow")
    return [str(leadflow), "serve", "--port", str(port), *options]


@contextmanager
def serving(command: Sequence[str], env: Mapping[str, str], port: int) -> Iterator[str]:
    """Run the server command until the block ends; its base URL once /healthz answers.

    Stopped with SIGINT, as a person would, so uvicorn shuts down cleanly (and a profiler
    writes its file); killed if it has not stopped within 30 s."""
    process = subprocess.Popen(command, env=dict(env), stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start (exit {process.returncode})")
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
