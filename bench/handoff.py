"""Handoff latency: from an activity arriving to the signed `lead.mql` webhook received.

Real components: `leadflow serve` on a fresh store (SQLite, or PostgreSQL with
--postgres-url), the starter scoring model, a webhook subscription for `lead.mql` pointing
at a local HTTP receiver that verifies every signature with the `standardwebhooks` library.
Each lead is created by a page view (not timed), then sent a demo request through
`POST /api/v1/activities`, which makes it an MQL; the latency is the time the receiver got
the signed webhook minus the time the request was sent. The request's own round trip is
the baseline: `webhook_over_request_p50` says how much the delivery adds.

    .venv/bin/python bench/handoff.py                     # 300 leads on SQLite
    .venv/bin/python bench/handoff.py --leads 1000 --postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

The last line is one JSON object: p50, p99, max (ms), count, lost (must be 0).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from serving import free_port, leadflow_serve, serving
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from standardwebhooks import Webhook, WebhookVerificationError

from leadflow.scoring.model_file import parse_model, starter_model_text
from leadflow.scoring.versions import activate, record_version
from leadflow.storage.database import open_store, transaction
from leadflow.users import keys
from leadflow.users import service as users
from leadflow.users.models import Role
from leadflow.users.schemas import UserCreate
from leadflow.webhooks.service import subscribe


class Receiver:
    """A local webhook receiver: verifies, dedupes by webhook-id, notes arrival times."""

    def __init__(self) -> None:
        self.secret = ""
        self.arrived: dict[str, float] = {}  # lead e-mail -> perf_counter at arrival
        self.invalid = 0
        self.duplicates = 0
        self._seen: set[str] = set()
        self._lock = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.handle(body, dict(self.headers))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def handle(self, body: bytes, headers: dict[str, str]) -> None:
        """Verify the Standard Webhooks signature; record the first arrival of each lead."""
        now = time.perf_counter()
        try:
            payload = Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError:
            with self._lock:
                self.invalid += 1
            return
        with self._lock:
            if headers.get("webhook-id", "") in self._seen:
                self.duplicates += 1
                return
            self._seen.add(headers.get("webhook-id", ""))
            self.arrived.setdefault(payload["data"]["email"], now)
            self._lock.notify_all()

    def wait_for(self, count: int, timeout: float) -> None:
        """Until `count` leads arrived, or `timeout` seconds."""
        with self._lock:
            self._lock.wait_for(lambda: len(self.arrived) >= count, timeout=timeout)

    def close(self) -> None:
        """Stop listening."""
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def _store(postgres_url: str | None, folder: Path) -> Iterator[str]:
    """A fresh store: a SQLite file, or a database of its own on the PostgreSQL server."""
    if postgres_url is None:
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    name = f"leadflow_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _prepare(url: str, server_key: str, receiver: Receiver) -> str:
    """Admin with a key, the starter model active, a lead.mql subscription; the API key."""
    engine = open_store(url)
    model_text = starter_model_text()
    with transaction(engine) as session:
        admin = users.create(
            session=session,
            user_in=UserCreate(email="bench@example.com", name="Bench Admin", role=Role.ADMIN),
        )
        _, api_key = keys.create(session=session, user_id=admin.id, name="bench")
        model = parse_model(model_text, file="starter scoring model")
        record_version(session=session, model=model, source=model_text, source_file="starter")
        activate(session=session, version=model.version)
        _, receiver.secret = subscribe(
            session=session, url=receiver.url, event_types=["lead.mql"], server_key=server_key
        )
    engine.dispose()
    return api_key


@contextmanager
def _server(url: str, config: Path, server_key: str, port: int) -> Iterator[str]:
    """`leadflow serve` in a process of its own, until the block ends."""
    env = os.environ | {
        "LEADFLOW_CONFIG": str(config),
        "LEADFLOW_SECRET_KEY": server_key,
        "LEADFLOW_DATABASE_URL": url,
    }
    with serving(leadflow_serve(port), env, port) as base:
        yield base


def _event(email: str, kind: str, path: str) -> dict[str, Any]:
    return {
        "type": kind,
        "email": email,
        "occurred_at": datetime.now(UTC).isoformat(),
        "properties": {"path": path},
    }


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start everything, send the leads, wait for their webhooks; the figures."""
    server_key = secrets.token_urlsafe(48)
    receiver = Receiver()
    with tempfile.TemporaryDirectory() as folder, _store(args.postgres_url, Path(folder)) as url:
        config = Path(folder) / "leadflow.toml"
        config.write_text(f"[webhooks]\npoll_interval_seconds = {args.poll_interval}\n")
        api_key = _prepare(url, server_key, receiver)
        sent: dict[str, float] = {}
        request_ms: list[float] = []
        run_id = uuid.uuid4().hex[:8]
        with _server(url, config, server_key, free_port()) as base:
            headers = {"Authorization": f"Bearer {api_key}"}
            with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
                for i in range(args.warmup + args.leads):
                    email = f"buyer{i}.{run_id}@acme{i}.example.com"
                    visit = client.post("/api/v1/activities", json=_event(email, "page_view", "/"))
                    visit.raise_for_status()
                    started = time.perf_counter()
                    response = client.post(
                        "/api/v1/activities", json=_event(email, "demo_request", "/demo")
                    )
                    request_ms.append((time.perf_counter() - started) * 1000)
                    response.raise_for_status()
                    if i >= args.warmup:
                        sent[email] = started
                    if args.pause_ms:
                        time.sleep(args.pause_ms / 1000)
                receiver.wait_for(args.warmup + args.leads, timeout=args.poll_interval * 2 + 30)
        receiver.close()
    latencies = [(receiver.arrived[e] - t) * 1000 for e, t in sent.items() if e in receiver.arrived]
    timed_requests = request_ms[args.warmup :]
    p50 = _percentile(latencies, 0.5) if latencies else None
    request_p50 = statistics.median(timed_requests)
    return {
        "bench": "handoff",
        "database": "postgresql" if args.postgres_url else "sqlite",
        "poll_interval_seconds": args.poll_interval,
        "count": len(latencies),
        "lost": len(sent) - len(latencies),
        "invalid_signatures": receiver.invalid,
        "p50_ms": round(p50, 1) if p50 is not None else None,
        "p99_ms": round(_percentile(latencies, 0.99), 1) if latencies else None,
        "max_ms": round(max(latencies), 1) if latencies else None,
        "request_p50_ms": round(request_p50, 1),
        "request_p99_ms": round(_percentile(timed_requests, 0.99), 1),
        "webhook_over_request_p50": round(p50 / request_p50, 2) if p50 is not None else None,
    }


def main() -> None:
    """Parse the options, run, print the figures as JSON on the last line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=300, help="timed leads (default 300)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed leads sent first")
    parser.add_argument("--postgres-url", help="PostgreSQL server to create a database on")
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=5.0,
        help="[webhooks] poll_interval_seconds of the server (default 5, the default)",
    )
    parser.add_argument(
        "--pause-ms", type=float, default=50.0, help="pause between leads (default 50; 0: flat out)"
    )
    args = parser.parse_args()
    if args.leads < 1 or args.warmup < 0:
        parser.error("--leads must be at least 1 and --warmup at least 0")
    print(json.dumps(run(args)))


if __name__ == "__main__":
    main()
