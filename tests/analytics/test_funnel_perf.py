"""The funnel's single-pass shape: each change joins the span of the latest entry before it.

FunnelQuery assigns every stage change to the lead's latest entry into the first step at or
before it with one window per lead (no range join), and unpivots the members to steps with
a cross join (no per-step copy of the members query). These tests pin the tie rules that
shape relies on, worked out by hand, that the compiled query reads the history once, and
that DuckDB's ranking window sorts only the (member, step) pairs that were reached.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import ibis
import pytest
from sqlalchemy import Engine

from leadflow.analytics.funnel import FunnelQuery
from leadflow.analytics.request import FunnelRequest
from leadflow.analytics.tables import ReportTables, duckdb_tables, store_tables
from leadflow.storage.database import create_store_engine

from .conftest import add_rows

T0 = datetime(2026, 2, 1, tzinfo=UTC)
HOUR_US = 3_600_000_000
# lead, cycle, to, hours after T0. Lead 1: sal at the very instant of its first entry, then
# a second cycle whose entry shares its instant with an sql. Lead 2: a stray sal before any
# entry, two entries into mql at one instant (one member, cycle 1), sal two hours later.
HISTORY = [
    (1, 1, "lead", 0),
    (1, 1, "mql", 1),
    (1, 1, "sal", 1),
    (1, 1, "nurture", 2),
    (1, 2, "mql", 5),
    (1, 2, "sql", 5),
    (2, 1, "sal", 0),
    (2, 1, "mql", 2),
    (2, 1, "nurture", 2),
    (2, 2, "mql", 2),
    (2, 2, "sal", 4),
]


@pytest.fixture
def store(db_url: str) -> Iterator[Engine]:
    """The two leads above, on SQLite and on PostgreSQL."""
    engine = create_store_engine(db_url)
    add_rows(
        engine,
        "leads",
        [
            {"id": i, "email": f"l{i}@x.test", "source": "ads", "created_at": T0,
             "updated_at": T0, "stage_changed_at": T0, "attributes": {}}
            for i in (1, 2)
        ],
    )  # fmt: skip
    add_rows(
        engine,
        "stage_changes",
        [
            {"lead_id": lead, "cycle": cycle, "to_stage": to, "actor_type": "import",
             "changed_at": T0 + timedelta(hours=hours)}
            for lead, cycle, to, hours in HISTORY
        ],
    )  # fmt: skip
    yield engine
    engine.dispose()


def funnel(engine: Engine, cycles: str) -> list[tuple[Any, ...]]:
    """(stage, count, median hours, p90 hours) per step; DuckDB must give the same rows."""
    request = FunnelRequest(cycles=cycles)
    results = []
    for tables in (store_tables(engine), duckdb_tables(engine, threads=1)):
        rows = FunnelQuery(request).expression(tables).to_pyarrow().to_pylist()
        tables.close()
        results.append(
            [(r["stage"], r["count"], _hours(r["median_us"]), _hours(r["p90_us"])) for r in rows]
        )
    assert results[0] == results[1]
    return results[0]


def _hours(micros: int | None) -> float | None:
    return None if micros is None else micros / HOUR_US


@pytest.mark.parametrize(
    ("cycles", "expected"),
    [
        # Members: lead 1 at 1h (sal at 1h), lead 1 at 5h (sql at 5h: sal reached too), lead 2
        # at 2h (sal at 4h). Sal durations 0, 0, 2h: median rank 2 -> 0, p90 rank 3 -> 2h.
        (
            "all",
            [("mql", 3, None, None), ("sal", 3, 0.0, 2.0), ("sql", 1, 0.0, 0.0),
             ("opportunity", 0, None, None), ("customer", 0, None, None)],
        ),
        # Lead 1 at 1h and lead 2 at 2h (its two entries at one instant are cycle 1).
        (
            "first",
            [("mql", 2, None, None), ("sal", 2, 0.0, 2.0), ("sql", 0, None, None),
             ("opportunity", 0, None, None), ("customer", 0, None, None)],
        ),
        (
            "recycled",
            [("mql", 1, None, None), ("sal", 1, 0.0, 0.0), ("sql", 1, 0.0, 0.0),
             ("opportunity", 0, None, None), ("customer", 0, None, None)],
        ),
    ],
)  # fmt: skip
def test_each_change_counts_for_the_latest_entry_at_or_before_it(
    store: Engine, cycles: str, expected: list[tuple[Any, ...]]
) -> None:
    assert funnel(store, cycles) == expected


def test_more_steps_add_no_copy_of_the_members_query(store: Engine) -> None:
    tables: ReportTables = store_tables(store)
    short, long = (
        str(ibis.to_sql(FunnelQuery(FunnelRequest(steps=steps)).expression(tables)))
        for steps in (("mql", "sal"), ("mql", "sal", "sql", "opportunity", "customer"))
    )
    tables.close()
    # The members are computed by the same windows however many steps there are; each extra
    # step is one literal row (a SELECT and its UNION wrapper), never a copy of the members.
    assert long.count('"stage_changes"') == short.count('"stage_changes"') == 1
    assert long.count(" OVER ") == short.count(" OVER ")
    assert long.count("SELECT") - short.count("SELECT") <= 3 * 3


def test_durations_are_ranked_only_where_a_member_reached_the_step(store: Engine) -> None:
    tables = duckdb_tables(store, threads=1)
    sql = str(ibis.to_sql(FunnelQuery(FunnelRequest()).expression(tables)))
    profile = tables.leads._find_backend().con.sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
    plan = json.loads(profile.fetchall()[0][1])
    tables.close()
    # Three members (lead 1 at 1h and 5h, lead 2 at 2h) over five steps are 15 pairs; only
    # 7 were reached (mql 3, sal 3, sql 1), and only those are sorted by the ranking window.
    ranking = [op for op in _operators(plan) if "row_number" in json.dumps(op["extra_info"])]
    assert [op["intermediate_rows"] for op in ranking] == [7]


def _operators(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for child in node.get("operator", []) + node.get("children", []):
        yield child
        yield from _operators(child)
