"""Benchmark: the funnel by source and W-shaped attribution, on DuckDB and on the store.

Builds --leads leads with their history straight from numpy (the demo generator is far too
slow at a million): each lead's acquisition and later touches, its stage changes (lead, MQL,
SAL, SQL, opportunity, customer or lost; rejected MQLs go to nurture and some come back as a
second cycle) and its opportunities. The world is written as Parquet exports and bulk-loaded
into a fresh SQLite store, then each report runs as one Ibis expression on both. Prints one
JSON object on its last line:

- leads, activities, touches, stage_changes, opportunities: the world's size.
- generate_seconds: numpy to Parquet; load_seconds: the bulk load of the SQLite store
  (sqlite3 executemany on a migrated store, journal off).
- duckdb_funnel_seconds, duckdb_attribution_seconds: DuckDB over the Parquet exports, from
  the expression to an Arrow result, best of --runs.
- duckdb_floor_seconds: the join attribution cannot avoid (each opportunity with its lead's
  touches before it, counted) over the same files; duckdb_attribution_floor_ratio.
- db_funnel_seconds, db_attribution_seconds: the same expressions on the SQLite store, once;
  null when interrupted after --db-limit seconds.

    .venv/bin/python bench/analytics.py [--leads 1000000] [--runs 3] [--threads T] [--no-db]
                                        [--db-limit 300]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from leadflow.analytics.attribution import AttributionQuery, AttributionRequest
from leadflow.analytics.funnel import FunnelQuery
from leadflow.analytics.request import FunnelRequest
from leadflow.analytics.tables import ReportTables, file_tables, store_tables
from leadflow.storage.database import create_store_engine, migrate

DAY_US = 86_400_000_000
START_US = 1_704_067_200_000_000  # 2024-01-01 UTC: two years of leads from here
SOURCES = {
    "organic_search": ("organic", 22, ()),
    "paid_search": ("cpc", 16, ("brand", "generic", "competitor")),
    "paid_social": ("paid-social", 12, ("linkedin-abm", "linkedin-topic")),
    "content_syndication": ("syndication", 14, ("report-q1", "report-q3")),
    "webinar": ("webinar", 12, ("webinar-a", "webinar-b", "webinar-c")),
    "events": ("event", 6, ("expo-london", "expo-austin")),
    "referral": ("referral", 4, ("partner-program",)),
    "email": ("email", 14, ("newsletter", "nurture")),
}
NAMES = list(SOURCES)
TABLES = ("leads", "stage_changes", "opportunities", "activities")
# The share of leads that moves on at each step, and the mean days the step takes.
MQL_RATE, MQL_DAYS, SAL_RATE, SAL_DAYS, SQL_RATE, SQL_DAYS = 0.3, 12.0, 0.8, 1.0, 0.5, 6.0
OPPORTUNITY_RATE, OPPORTUNITY_DAYS, WIN_RATE, CLOSE_DAYS = 0.6, 8.0, 0.3, 35.0
RETURN_RATE, RETURN_DAYS = 0.25, 90.0
# Events per lead besides its acquisition touch; how many carry UTM; how many came before.
ACTIVITIES, TOUCH_SHARE, BEFORE_SHARE, ACTIVITY_DAYS = 5.0, 0.45, 0.2, 40.0


def _channel(rng: np.random.Generator, size: int) -> tuple[np.ndarray, ...]:
    """Source, medium and campaign of `size` touches, by the sources' shares."""
    shares = np.array([SOURCES[s][1] for s in NAMES], dtype=float)
    picked = rng.choice(len(NAMES), size, p=shares / shares.sum())
    source = np.array(NAMES, dtype=object)[picked]
    medium = np.array([SOURCES[s][0] for s in NAMES], dtype=object)[picked]
    campaign = np.empty(size, dtype=object)
    draw = rng.random(size)
    for i, name in enumerate(NAMES):
        options = SOURCES[name][2]
        here = picked == i
        if options:
            campaign[here] = np.array(options, dtype=object)[
                (draw[here] * len(options)).astype(int)
            ]
    return source, medium, campaign


def _ts(micros: np.ndarray) -> pa.Array:
    return pa.array(micros.astype("int64"), pa.timestamp("us", tz="UTC"))


def generate(folder: Path, leads: int, seed: int) -> dict[str, Path]:
    """The world as Parquet files, one per store table."""
    rng = np.random.default_rng(seed)
    world = _World(rng, np.arange(1, leads + 1))
    created = START_US + (rng.random(leads) * 730 * DAY_US).astype("int64")
    source, medium, campaign = _channel(rng, leads)
    world.move(np.ones(leads, bool), 1, None, "lead", created)
    mql = rng.random(leads) < MQL_RATE
    at = created + _days(rng, MQL_DAYS, leads)
    world.move(mql, 1, "lead", "mql", at)
    nurtured, at = world.after_mql(mql, at, 1)
    # Rejected MQLs wait in nurture; some come back as MQLs: their second cycle.
    back = nurtured & (rng.random(leads) < RETURN_RATE)
    at = at + _days(rng, RETURN_DAYS, leads)
    world.move(back, 2, "nurture", "mql", at)
    world.after_mql(back, at, 2)

    files = {name: folder / f"{name}.parquet" for name in TABLES}
    pq.write_table(
        pa.table(
            {
                "id": world.ids, "source": source, "medium": medium, "campaign": campaign,
                "stage": world.stage, "cycle": world.cycle, "created_at": _ts(created),
            }
        ),
        files["leads"],
    )  # fmt: skip
    pq.write_table(world.changes_table(), files["stage_changes"])
    pq.write_table(world.opportunities_table(), files["opportunities"])
    pq.write_table(
        _activities(rng, world.ids, created, (source, medium, campaign)), files["activities"]
    )
    return files


def _days(rng: np.random.Generator, mean: float, size: int) -> np.ndarray:
    return (rng.exponential(mean, size) * DAY_US).astype("int64")


class _World:
    """Stage changes and opportunities, appended a step at a time for every lead at once."""

    def __init__(self, rng: np.random.Generator, ids: np.ndarray) -> None:
        self.rng, self.ids = rng, ids
        self.stage = np.full(ids.size, "lead", dtype=object)
        self.cycle = np.ones(ids.size, dtype="int64")
        self.changes: list[dict[str, Any]] = []
        self.opportunities: list[dict[str, Any]] = []

    def move(
        self, who: np.ndarray, cycle: int, from_stage: str | None, to: str, at: np.ndarray
    ) -> None:
        """Leads `who` move to `to` at `at`."""
        count = int(who.sum())
        self.changes.append(
            {
                "lead_id": self.ids[who], "cycle": np.full(count, cycle),
                "from_stage": pa.array([from_stage] * count, pa.string()),
                "to_stage": pa.array([to] * count, pa.string()), "changed_at": _ts(at[who]),
            }
        )  # fmt: skip
        self.stage[who], self.cycle[who] = to, cycle

    def after_mql(
        self, mql: np.ndarray, at: np.ndarray, cycle: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """MQLs on through SAL, SQL, opportunity, won or lost; returns who went to nurture, when."""
        size, rng = self.ids.size, self.rng
        at = at + _days(rng, SAL_DAYS, size)
        sal = mql & (rng.random(size) < SAL_RATE)
        self.move(mql & ~sal, cycle, "mql", "nurture", at)
        self.move(sal, cycle, "mql", "sal", at)
        nurture_at = at
        sql = sal & (rng.random(size) < SQL_RATE)
        at = at + _days(rng, SQL_DAYS, size)
        self.move(sql, cycle, "sal", "sql", at)
        opened = sql & (rng.random(size) < OPPORTUNITY_RATE)
        at = at + _days(rng, OPPORTUNITY_DAYS, size)
        self.move(opened, cycle, "sql", "opportunity", at)
        won = opened & (rng.random(size) < WIN_RATE)
        closed = at + _days(rng, CLOSE_DAYS, size)
        self.move(won, cycle, "opportunity", "customer", closed)
        self.move(opened & ~won, cycle, "opportunity", "lost", closed)
        count = int(opened.sum())
        self.opportunities.append(
            {
                "lead_id": self.ids[opened], "cycle": np.full(count, cycle),
                "amount": np.round(rng.lognormal(9.5, 0.8, count), 2),
                "currency": pa.array(["USD"] * count, pa.string()),
                "status": pa.array(np.where(won[opened], "won", "lost"), pa.string()),
                "opened_at": _ts(at[opened]), "closed_at": _ts(closed[opened]),
            }
        )  # fmt: skip
        return mql & ~sal, nurture_at

    def changes_table(self) -> pa.Table:
        """Every stage change, with ids."""
        return _with_ids(self.changes)

    def opportunities_table(self) -> pa.Table:
        """Every opportunity, with ids."""
        return _with_ids(self.opportunities)


def _with_ids(parts: list[dict[str, Any]]) -> pa.Table:
    table = pa.concat_tables([pa.table(part) for part in parts])
    return table.add_column(0, "id", pa.array(np.arange(1, table.num_rows + 1)))


def _activities(rng: np.random.Generator, ids: np.ndarray, created: np.ndarray,
                own: tuple[np.ndarray, ...]) -> pa.Table:  # fmt: skip
    """Each lead's acquisition touch at its creation, then about ACTIVITIES more events."""
    per_lead = rng.poisson(ACTIVITIES, ids.size)
    lead_index = np.repeat(np.arange(ids.size), per_lead)
    later = lead_index.size
    # Most come after the lead is known; some were anonymous visits before it.
    before = rng.random(later) < BEFORE_SHARE
    offset = _days(rng, ACTIVITY_DAYS, later)
    at = created[lead_index] + np.where(before, -offset // 4, offset)
    source, medium, campaign = _channel(rng, later)
    untouched = rng.random(later) >= TOUCH_SHARE
    for column in (source, medium, campaign):
        column[untouched] = None
    kind = np.where(untouched, "page_view", "email_click")
    kind = np.where(source == "webinar", "webinar_registered", kind)
    table = pa.table(
        {
            "lead_id": np.concatenate([ids, ids[lead_index]]),
            "type": pa.array(np.concatenate([np.full(ids.size, "form_submit"), kind]), pa.string()),
            "occurred_at": _ts(np.concatenate([created, at])),
            "source": pa.array(np.concatenate([own[0], source]), pa.string()),
            "medium": pa.array(np.concatenate([own[1], medium]), pa.string()),
            "campaign": pa.array(np.concatenate([own[2], campaign]), pa.string()),
        }
    )
    return table.add_column(0, "id", pa.array(np.arange(1, table.num_rows + 1)))


def load_store(url: str, files: dict[str, Path]) -> None:
    """The Parquet world into a migrated SQLite store, as SQLAlchemy would have written it."""
    engine = create_store_engine(url)
    migrate(engine)
    engine.dispose()
    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    filled: dict[str, dict[str, Any]] = {
        "leads": {"is_free_email": 0, "is_disposable_email": 0, "attributes": "{}"},
        "activities": {"properties": "{}"},
        "stage_changes": {"actor_type": "import"},
    }
    for name in TABLES:
        table = pq.read_table(files[name])
        columns = {column: _sqlite_values(table[column]) for column in table.column_names}
        if name == "leads":
            columns["stage_changed_at"] = columns["updated_at"] = columns["created_at"]
        if name == "activities":
            columns["received_at"] = columns["occurred_at"]
            columns["event_id"] = [f"bench-{i}" for i in columns["id"]]
        constants = filled.get(name, {})
        names = [*columns, *constants]
        values = [*columns.values(), *([v] * table.num_rows for v in constants.values())]
        marks = ", ".join("?" * len(names))
        # Table and column names are this file's own constants, never input.
        statement = f"INSERT INTO {name} ({', '.join(names)}) VALUES ({marks})"  # noqa: S608
        connection.executemany(statement, zip(*values, strict=True))
        connection.commit()
    connection.execute("ANALYZE")
    connection.close()


def _sqlite_values(column: pa.ChunkedArray) -> list[Any]:
    # SQLAlchemy keeps SQLite instants as naive UTC text with six decimals.
    if pa.types.is_timestamp(column.type):
        naive = column.cast(pa.timestamp("us"))
        return pc.strftime(naive, "%Y-%m-%d %H:%M:%S").to_pylist()
    return column.to_pylist()


def timed(run: Callable[[], object], runs: int) -> float:
    """Best wall time of `runs` runs."""
    best = float("inf")
    for _ in range(runs):
        began = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - began)
    return best


def timed_on_sqlite(store: ReportTables, run: Callable[[], object], limit: float) -> float | None:
    """Wall time of one run on the SQLite store; None when it is interrupted at `limit`."""
    connection = store.leads._find_backend().con
    timer = threading.Timer(limit, connection.interrupt)
    timer.start()
    try:
        return timed(run, 1)
    except sqlite3.OperationalError as error:
        if "interrupted" not in str(error):
            raise
        return None
    finally:
        timer.cancel()


def reports(tables: ReportTables) -> dict[str, Callable[[], object]]:
    """The funnel by source and W-shaped attribution by source, each run to Arrow."""
    funnel = FunnelQuery(FunnelRequest(by=("source",)))
    attribution = AttributionQuery(AttributionRequest(model="w_shaped", by="source"))
    return {
        "funnel": lambda: funnel.expression(tables).to_pyarrow(),
        "attribution": lambda: attribution.expression(tables).to_pyarrow(),
    }


def floor(tables: ReportTables) -> Callable[[], object]:
    """Each opportunity joined to its lead's touches before it, counted."""
    opportunities, activities = tables.opportunities, tables.activities
    touches = activities.filter(activities.source.notnull())
    pairs = opportunities.join(
        touches,
        (opportunities.lead_id == touches.lead_id)
        & (touches.occurred_us <= opportunities.opened_us),
    )
    return lambda: pairs.count().to_pyarrow()


def main() -> None:
    """Build the world, time the reports, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-db", action="store_true", help="skip the SQLite store")
    parser.add_argument("--db-limit", type=float, default=300.0, help="seconds per store query")
    args = parser.parse_args()
    figures: dict[str, Any] = {"leads": args.leads}
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        files = generate(Path(folder), args.leads, args.seed)
        figures["generate_seconds"] = time.perf_counter() - began
        for name in TABLES[1:]:
            figures[name] = pq.read_metadata(files[name]).num_rows
        activities = pq.read_table(files["activities"], columns=["source"])
        figures["touches"] = activities.num_rows - activities["source"].null_count

        tables = file_tables({name: [path] for name, path in files.items()}, threads=args.threads)
        for name, run in reports(tables).items():
            figures[f"duckdb_{name}_seconds"] = timed(run, args.runs)
        figures["duckdb_floor_seconds"] = timed(floor(tables), args.runs)
        figures["duckdb_attribution_floor_ratio"] = (
            figures["duckdb_attribution_seconds"] / figures["duckdb_floor_seconds"]
        )
        if not args.no_db:
            url = f"sqlite:///{folder}/store.db"
            began = time.perf_counter()
            load_store(url, files)
            figures["load_seconds"] = time.perf_counter() - began
            store = store_tables(create_store_engine(url))
            for name, run in reports(store).items():
                # A query still running at --db-limit is interrupted and reported as null.
                figures[f"db_{name}_seconds"] = timed_on_sqlite(store, run, args.db_limit)
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}))


if __name__ == "__main__":
    main()
