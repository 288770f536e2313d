"""Benchmark: events into a live `leadflow serve` from concurrent clients, singly and in batches.

For each database (a fresh SQLite file; PostgreSQL from --postgres-url or
LEADFLOW_TEST_POSTGRES_URL, else a throwaway cluster from scripts/throwaway-postgres) it
migrates a store, activates the starter scoring model (so every event is scored in real
time, as in production), creates a marketing key, starts `leadflow serve` in a subprocess
and sends --events events from --clients concurrent clients in each mode:

- single:        one event per `POST /api/v1/activities`
- batch:         --batch-size events per `POST /api/v1/activities/batch`
- segment_batch: --batch-size Segment track messages per `POST /v1/batch`

After each mode it checks the store holds exactly --events of that mode's events, re-sends
a tenth of them and checks that nothing was doubled. The last line printed is one JSON
object: per database and mode, events/s, requests/s and p50/p99 request latency in ms.
The clients run on the same machine as the server, so they share its cores.

    .venv/bin/python bench/ingest.py [--events 2000] [--clients 8] [--batch-size 100]
        [--workers 1] [--leads 200] [--no-postgres] [--profile FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import quantiles
from typing import Any

import httpx
from serving import free_port, leadflow_serve, serving
from sqlalchemy import create_engine, func, select, text

from leadflow.activities.models import Activity
from leadflow.scoring import versions
from leadflow.scoring.model_file import parse_model, starter_model_text
from leadflow.storage.database import open_store, transaction
from leadflow.users import keys, service
from leadflow.users.models import Role
from leadflow.users.schemas import UserCreate

ROOT = Path(__file__).resolve().parent.parent
MODES = ("single", "batch", "segment_batch")
PAGES = ("/", "/pricing", "/blog/lead-scoring", "/docs", "/careers")


def prepare_store(url: str) -> str:
    """Migrate the store, activate the starter model; a marketing key's full value."""
    engine = open_store(url)
    source = starter_model_text()
    model = parse_model(source)
    with transaction(engine) as session:
        user = service.create(
            session=session,
            user_in=UserCreate(email="bench@acme.test", name="Bench", role=Role.MARKETING),
        )
        token = keys.create(session=session, user_id=user.id, name="bench")[1]
        versions.record_version(session=session, model=model, source=source)
        versions.activate(session=session, version=model.version)
    engine.dispose()
    return token


@contextmanager
def server(url: str, workers: int, profile: Path | None) -> Iterator[str]:
    """`leadflow serve` on the store (under cProfile with `profile`); its base URL."""
    port = free_port()
    env = {**os.environ, "LEADFLOW_DATABASE_URL": url, "LEADFLOW_CONFIG": "/nonexistent.toml"}
    if profile is not None:
        env["LEADFLOW_SERVE_NO_BACKGROUND"] = "1"
        script = Path(__file__).with_name("profiled_server.py")
        command = [sys.executable, str(script), str(port), str(profile)]
    else:
        command = leadflow_serve(port, "--workers", str(workers))
    with serving(command, env, port) as base:
        yield base


def event(mode: str, run: str, i: int, leads: int, now: datetime) -> dict[str, Any]:
    """The i-th event of a mode, for one of `leads` leads, at most a day old."""
    lead = i % leads
    when = (now - timedelta(seconds=(i * 37) % 86_400)).isoformat()
    page = PAGES[i % len(PAGES)]
    if mode == "segment_batch":
        return {
            "type": "page",
            "messageId": f"{run}-{mode}-{i}",
            "userId": f"bench-{lead}",
            "timestamp": when,
            "properties": {"path": page},
        }
    return {
        "event_id": f"{run}-{mode}-{i}",
        "type": "page_view",
        "occurred_at": when,
        "email": f"person{lead}@company{lead % 50}.test",
        "properties": {"path": page},
    }


def requests_of(mode: str, events: list[dict[str, Any]], size: int) -> list[tuple[str, Any]]:
    """(path, body) of every request a mode sends for these events."""
    if mode == "single":
        return [("/api/v1/activities", e) for e in events]
    path, key = (
        ("/v1/batch", "batch")
        if mode == "segment_batch"
        else ("/api/v1/activities/batch", "events")
    )
    return [(path, {key: events[i : i + size]}) for i in range(0, len(events), size)]


async def send(base: str, token: str, requests: list[tuple[str, Any]], clients: int) -> list[float]:
    """Send every request from `clients` concurrent connections; each one's latency (s)."""
    auth = base64.b64encode(f"{token}:".encode()).decode()
    headers = {"Authorization": f"Bearer {token}"}
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)
    latencies: list[float] = []

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            while not queue.empty():
                path, body = queue.get_nowait()
                sent = (
                    headers if not path.startswith("/v1/") else {"Authorization": f"Basic {auth}"}
                )
                started = time.perf_counter()
                response = await http.post(path, json=body, headers=sent)
                latencies.append(time.perf_counter() - started)
                if response.status_code not in (200, 201):
                    raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")

    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies


def stored(url: str, prefix: str) -> int:
    """How many activities have an event id starting with `prefix`."""
    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.scalar(select(func.count()).where(Activity.event_id.like(f"{prefix}%")))
    engine.dispose()
    return int(count or 0)


def run_mode(
    mode: str, base: str, token: str, url: str, args: argparse.Namespace
) -> dict[str, Any]:
    """One mode's figures; raises if the store does not hold exactly what was sent."""
    run = uuid.uuid4().hex[:8]
    now = datetime.now(UTC)
    events = [event(mode, run, i, args.leads, now) for i in range(args.events)]
    requests = requests_of(mode, events, args.batch_size)
    started = time.perf_counter()
    latencies = asyncio.run(send(base, token, requests, args.clients))
    seconds = time.perf_counter() - started
    prefix = f"{run}-{mode}-"
    if (count := stored(url, prefix)) != args.events:
        raise RuntimeError(f"{mode}: sent {args.events} events, the store holds {count}")
    again = requests_of(mode, events[: max(1, args.events // 10)], args.batch_size)
    asyncio.run(send(base, token, again, args.clients))
    if (count := stored(url, prefix)) != args.events:
        raise RuntimeError(f"{mode}: re-sent events were stored again ({count})")
    cuts = quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else latencies * 99
    return {
        "events": args.events,
        "requests": len(requests),
        "seconds": round(seconds, 3),
        "events_per_s": round(args.events / seconds, 1),
        "requests_per_s": round(len(requests) / seconds, 1),
        "p50_ms": round(cuts[49] * 1000, 2),
        "p99_ms": round(cuts[98] * 1000, 2),
    }


def bench_database(url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Every mode against one store."""
    token = prepare_store(url)
    profile = Path(args.profile) if args.profile else None
    with server(url, args.workers, profile) as base:
        figures = {mode: run_mode(mode, base, token, url, args) for mode in args.modes}
    if profile is not None:
        import pstats

        pstats.Stats(str(profile), stream=sys.stderr).sort_stats("cumulative").print_stats(40)
        args.profile = None  # profile the first database only
    return figures


@contextmanager
def postgres_database(args: argparse.Namespace) -> Iterator[str | None]:
    """A scratch database on the given server, or on a throwaway cluster; None if neither."""
    server_url = args.postgres_url or os.environ.get("LEADFLOW_TEST_POSTGRES_URL")
    cluster: Path | None = None
    if not server_url and not args.no_postgres:
        cluster = Path(tempfile.mkdtemp(prefix="leadflow-bench-pg-"))
        script = ROOT / "scripts" / "throwaway-postgres"
        done = subprocess.run([str(script), "start", str(cluster)], capture_output=True, text=True)
        if done.returncode != 0:
            print(f"no PostgreSQL: {done.stderr.strip()[-300:]}", file=sys.stderr)
            cluster = None
        else:
            server_url = done.stdout.strip().splitlines()[-1]
    if args.no_postgres or not server_url:
        yield None
        return
    server_url = server_url.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"leadflow_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        if cluster is not None:
            script = ROOT / "scripts" / "throwaway-postgres"
            subprocess.run([str(script), "stop", str(cluster)], capture_output=True, check=False)


def main() -> None:
    """Parse the options, run every database and mode, print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2_000, help="events per mode")
    parser.add_argument("--clients", type=int, default=8, help="concurrent connections")
    parser.add_argument("--batch-size", type=int, default=100, help="events per batch request")
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--leads", type=int, default=200, help="distinct leads the events name")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--postgres-url", help="a PostgreSQL server to make a scratch db on")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--profile",
        help="run the server (1 process, route threads included) under cProfile into FILE",
    )
    args = parser.parse_args()
    figures: dict[str, Any] = {
        "config": {
            k: getattr(args, k) for k in ("events", "clients", "batch_size", "workers", "leads")
        },
        "cpus": os.cpu_count(),
    }
    with tempfile.TemporaryDirectory() as folder:
        figures["sqlite"] = bench_database(f"sqlite:///{folder}/bench.db", args)
    with postgres_database(args) as url:
        if url is not None:
            figures["postgresql"] = bench_database(url, args)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
