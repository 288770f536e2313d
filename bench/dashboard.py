"""Benchmark: dashboard pages from a live `leadflow serve` over a large store on PostgreSQL.

Builds --leads leads with their history with bench/analytics.py's numpy generator (the demo
generator is far too slow at this size), adds what the pages show (names, e-mails, owners
among eight reps, an active model's scores, SLA timers on the MQLs), bulk-loads it with COPY
into a scratch database (on --postgres-url, LEADFLOW_TEST_POSTGRES_URL, or a throwaway
cluster from scripts/throwaway-postgres), starts `leadflow serve` and, as a logged-in
manager over one HTTP connection (httpx, like a browser tab), measures:

- overview: each of --periods periods once cold (reports computed), then --repeat times
  warm (the report cache answering): overview_cold_ms (each), overview_p95_ms (warm), and
  overview_vs_api_funnel = overview p95 / p95 of `GET /api/v1/reports/funnel` (uncached,
  one of the page's four reports) for the same periods.
- leads list: pages anywhere in the list (a cursor at a random lead) under several sorts and
  filters: leads_p95_ms, and leads_vs_api = leads p95 / p95 of the API's `GET /api/v1/leads`
  with the same parameters; leads_search_p95_ms for a text search (a scan) on its own.
- lead page: random leads: lead_p95_ms, and lead_vs_api = its p95 / p95 of
  `GET /api/v1/leads/{id}` (the profile alone; the page adds history, brief and timeline).

healthz_p95_ms is the floor: `GET /healthz`, which reads nothing, over the same connection.
The last line printed is one JSON object. The client runs on the server's machine.

    .venv/bin/python bench/dashboard.py [--leads 20000] [--repeat 20] [--samples 60]
        [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from statistics import quantiles
from typing import Any

import httpx
import numpy as np
import psycopg
import pyarrow.parquet as pq
from serving import free_port, leadflow_serve, serving

from analytics import generate
from ingest import postgres_database
from leadflow.api.pagination import Keyset
from leadflow.scoring.model_file import parse_model, starter_model_text
from leadflow.storage.database import create_store_engine, migrate, open_store, transaction
from leadflow.users import keys, passwords, service
from leadflow.users.models import Role
from leadflow.users.schemas import UserCreate

PASSWORD = "bench password of some length"
SECRET_KEY = "bench-secret-key-of-at-least-32-characters-long"
REPS = 8
STATUSES = ("met", "breached")
GRADES = ("A1", "A2", "B1", "B2", "C2", "C3", "D4")
PERIODS = (("2025-10-01", "2025-12-31"), ("2025-01-01", "2025-12-31"), ("2024-01-01", "2025-12-31"))
LIST_QUERIES: tuple[dict[str, Any], ...] = (
    {"sort": "id", "order": "asc"},
    {"sort": "created_at", "order": "desc"},
    {"sort": "id", "order": "asc", "stage": "customer"},
    {"sort": "created_at", "order": "desc", "source": "webinar"},
    {"sort": "id", "order": "asc", "grade": "A1"},
    {"sort": "id", "order": "desc", "fit_min": 60},
)


def _rows(table: Any) -> Iterator[tuple[Any, ...]]:
    columns = [table[name].to_pylist() for name in table.column_names]
    return zip(*columns, strict=True)


def _copy(connection: psycopg.Connection[Any], name: str, columns: list[str], rows: Any) -> None:
    # Table and column names are this file's own constants, never input.
    with connection.cursor().copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def build_store(url: str, leads: int, folder: Path) -> dict[str, Any]:
    """The generated world in a migrated PostgreSQL store, with users, scores and timers."""
    started = time.perf_counter()
    files = generate(folder, leads, seed=7)
    engine = create_store_engine(url)
    migrate(engine)
    source = starter_model_text()
    model = parse_model(source)
    with transaction(engine) as session:
        manager = service.create(
            session=session,
            user_in=UserCreate(email="boss@bench.test", name="Boss", role=Role.MANAGER),
        )
        passwords.set_password(session=session, user=manager, password=PASSWORD)
        token = keys.create(session=session, user_id=manager.id, name="bench")[1]
        reps = [
            service.create(
                session=session,
                user_in=UserCreate(email=f"rep{i}@bench.test", name=f"Rep {i}", role=Role.SALES),
            ).id
            for i in range(REPS)
        ]
    engine.dispose()
    raw = url.replace("postgresql+psycopg://", "postgresql://", 1)
    rng = np.random.default_rng(7)
    with psycopg.connect(raw) as connection:
        lead_table = pq.read_table(files["leads"])
        ids = lead_table["id"].to_pylist()
        stages = lead_table["stage"].to_pylist()
        created = lead_table["created_at"].to_pylist()
        owners = [None if s == "lead" else reps[i % REPS] for i, s in enumerate(stages)]
        columns = ["id", "email", "first_name", "last_name", "company", "source", "medium"]
        columns += ["campaign", "stage", "cycle", "created_at", "stage_changed_at", "updated_at"]
        columns += ["owner_id", "is_free_email", "is_disposable_email", "attributes"]
        plain = zip(
            *(lead_table[c].to_pylist() for c in ("source", "medium", "campaign")), strict=True
        )
        _copy(
            connection,
            "leads",
            columns,
            (
                (i, f"person{i}@company{i % 5000}.test", f"First{i % 97}", f"Last{i}",
                 f"Company {i % 5000}", src, med, camp, stage, cycle, at, at, at, owner,
                 False, False, "{}")
                for i, (src, med, camp), stage, cycle, at, owner in zip(
                    ids, plain, stages, lead_table["cycle"].to_pylist(), created, owners,
                    strict=True,
                )
            ),
        )  # fmt: skip
        changes = pq.read_table(files["stage_changes"])
        _copy(
            connection,
            "stage_changes",
            [*changes.column_names, "actor_type"],
            ((*row, "import") for row in _rows(changes)),
        )
        _copy(connection, "opportunities", pq.read_table(files["opportunities"]).column_names,
              _rows(pq.read_table(files["opportunities"])))  # fmt: skip
        activities = pq.read_table(files["activities"])
        _copy(
            connection,
            "activities",
            [*activities.column_names, "event_id", "received_at", "properties"],
            ((*row, f"bench-{row[0]}", row[3], "{}") for row in _rows(activities)),
        )
        now = datetime.now(UTC)
        connection.execute(
            "INSERT INTO scoring_model_versions (version, name, checksum, source, created_at,"
            " activated_at, is_active) VALUES (%s, %s, %s, %s, %s, %s, true)",
            (model.version, model.name, "bench", source, now, now),
        )
        fit = np.round(rng.uniform(-10, 100, len(ids)), 2)
        engagement = np.round(rng.uniform(0, 120, len(ids)), 2)
        grade = rng.choice(GRADES, len(ids))
        _copy(
            connection,
            "lead_scores",
            ["lead_id", "model_version", "fit", "engagement", "fit_band", "engagement_band",
             "grade", "is_mql", "explanation", "as_of", "scored_at"],
            (
                (i, model.version, float(f), float(e), str(g)[0], int(str(g)[1]), str(g),
                 str(g) < "B3", json.dumps([["executive", 25], ["pricing_page", 12.5]]), now, now)
                for i, f, e, g in zip(ids, fit, engagement, grade, strict=True)
            ),
        )  # fmt: skip
        mqls = changes.filter(np.array(changes["to_stage"].to_pylist()) == "mql")
        entries = zip(
            *(mqls[c].to_pylist() for c in ("lead_id", "cycle", "changed_at")), strict=True
        )
        # One timer per MQL entry, due at once: four in five met, the fifth breached.
        _copy(
            connection,
            "sla_timers",
            ["lead_id", "cycle", "stage", "owner_id", "team", "started_at", "due_at", "status"],
            (
                (lead, cycle, "mql", reps[lead % REPS], "Sales", at, at, STATUSES[k % 5 == 0])
                for k, (lead, cycle, at) in enumerate(entries)
            ),
        )  # fmt: skip
        for table in ("leads", "stage_changes", "opportunities", "activities", "sla_timers"):
            latest = f"(SELECT max(id) FROM {table})"  # noqa: S608 - names are constants
            connection.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {latest})")
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE")
        counts = {
            table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]  # noqa: S608
            for table in ("leads", "stage_changes", "activities", "opportunities", "sla_timers")
        }
    return {
        "token": token,
        "counts": counts,
        "build_seconds": round(time.perf_counter() - started, 1),
    }


def log_in(client: httpx.Client) -> None:
    """Log the client in as the manager through the login form."""
    page = client.get("/login")
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert token, "no CSRF token on the login page"
    response = client.post(
        "/login",
        data={"email": "boss@bench.test", "password": PASSWORD, "csrf_token": token.group(1)},
    )
    if response.status_code != 200 or "Overview" not in response.text:
        raise RuntimeError(f"login failed: {response.status_code} {response.text[:300]}")


def timed(client: httpx.Client, path: str, **kwargs: Any) -> float:
    """Milliseconds for one GET answered 200."""
    started = time.perf_counter()
    response = client.get(path, **kwargs)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")
    return elapsed


def p95(values: list[float]) -> float:
    """The 95th percentile, in ms, rounded."""
    return round(quantiles(values, n=20, method="inclusive")[18], 1)


def cursor_at(lead: dict[str, Any], query: dict[str, Any]) -> str:
    """A cursor that starts the page right after `lead` under the query's sort."""
    value = lead["created_at"] if query["sort"] == "created_at" else lead["id"]
    return Keyset(query["sort"], query["order"] == "desc", value, lead["id"]).encode()


def measure(base: str, api_token: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Every figure, from one logged-in connection."""
    rng = random.Random(11)
    raw = url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(raw) as connection:
        sample = connection.execute(
            "SELECT id, created_at FROM leads TABLESAMPLE BERNOULLI (5) REPEATABLE (3) LIMIT %s",
            (args.samples,),
        ).fetchall()
    leads = [{"id": i, "created_at": at.astimezone(UTC)} for i, at in sample]
    api = {"Authorization": f"Bearer {api_token}"}
    figures: dict[str, Any] = {}
    with httpx.Client(base_url=base, timeout=120, follow_redirects=True) as client:
        log_in(client)
        # The floor: a request that reads nothing, on the same loaded machine and connection.
        figures["healthz_p95_ms"] = p95([timed(client, "/healthz") for _ in range(args.samples)])
        periods = PERIODS[: args.periods]
        cold = [timed(client, "/", params={"from": a, "to": b}) for a, b in periods]
        warm = [
            timed(client, "/", params={"from": a, "to": b})
            for _ in range(args.repeat)
            for a, b in periods
        ]
        funnel = [
            timed(client, "/api/v1/reports/funnel", params={"from": a, "to": b}, headers=api)
            for _ in range(max(2, args.repeat // 5))
            for a, b in periods
        ]
        figures["overview_cold_ms"] = [round(v, 1) for v in cold]
        figures["overview_p95_ms"] = p95(warm)
        figures["api_funnel_p95_ms"] = p95(funnel)
        figures["overview_vs_api_funnel"] = round(p95(warm) / p95(funnel), 3)

        pages, api_pages = [], []
        for k in range(args.samples):
            query = LIST_QUERIES[k % len(LIST_QUERIES)]
            params = {**query, "limit": 50, "cursor": cursor_at(rng.choice(leads), query)}
            pages.append(timed(client, "/leads", params=params))
            api_pages.append(timed(client, "/api/v1/leads", params=params, headers=api))
        figures["leads_p95_ms"] = p95(pages)
        figures["api_leads_p95_ms"] = p95(api_pages)
        figures["leads_vs_api"] = round(p95(pages) / p95(api_pages), 3)
        searches = [
            timed(client, "/leads", params={"search": f"last{rng.randrange(10**6)}"})
            for _ in range(5)
        ]
        figures["leads_search_p95_ms"] = p95(searches)

        lead_pages, api_leads = [], []
        for lead in leads[: args.samples]:
            lead_pages.append(timed(client, f"/leads/{lead['id']}"))
            api_leads.append(timed(client, f"/api/v1/leads/{lead['id']}", headers=api))
        figures["lead_p95_ms"] = p95(lead_pages)
        figures["api_lead_p95_ms"] = p95(api_leads)
        figures["lead_vs_api"] = round(p95(lead_pages) / p95(api_leads), 3)
    return figures


def main() -> None:
    """Build the store, serve it, measure, print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=20, help="warm overview rounds")
    parser.add_argument("--periods", type=int, default=3, choices=(1, 2, 3))
    parser.add_argument("--samples", type=int, default=60, help="list pages and lead pages")
    parser.add_argument("--postgres-url", help="a PostgreSQL server to make a scratch db on")
    parser.add_argument("--no-postgres", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    figures: dict[str, Any] = {"leads": args.leads, "cpus": os.cpu_count()}
    with postgres_database(args) as url, tempfile.TemporaryDirectory() as folder:
        if url is None:
            sys.exit("no PostgreSQL server: pass --postgres-url")
        built = build_store(url, args.leads, Path(folder))
        figures.update({"rows": built["counts"], "build_seconds": built["build_seconds"]})
        open_store(url).dispose()
        port = free_port()
        env = {
            **os.environ,
            "LEADFLOW_DATABASE_URL": url,
            "LEADFLOW_SECRET_KEY": SECRET_KEY,
            "LEADFLOW_CONFIG": "/nonexistent.toml",
            "LEADFLOW_SERVE_NO_BACKGROUND": "1",
        }
        with serving(leadflow_serve(port), env, port) as base:
            figures.update(measure(base, built["token"], url, args))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
