"""Edge cases of the reports, each worked out by hand: ties on timestamps, events exactly on
a window or period boundary, a lead without touches, recycled leads, a stage skipped by
configuration, and the same world read back from Parquet and CSV exports.

Each test writes its own few leads (times in March 2026, UTC); `report` runs the store and
its DuckDB copy and requires the very same rows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from leadflow.analytics.registry import REPORTS, ReportParameters, run_report
from leadflow.analytics.tables import COLUMNS, duckdb_tables, file_tables, store_tables
from leadflow.engines import connect
from leadflow.lifecycle.config import LifecycleConfig
from leadflow.lifecycle.stages import StageMachine
from leadflow.storage.database import create_store_engine

from .conftest import add_rows

US = timedelta(microseconds=1)
NO_SAL = StageMachine(LifecycleConfig(skip=["sal"]))


def at(day: int, hour: int = 0) -> datetime:
    """An instant of March 2026, UTC."""
    return datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def store(db_url: str) -> Any:
    """An empty store, on SQLite and on PostgreSQL."""
    engine = create_store_engine(db_url)
    yield engine
    engine.dispose()


def leads(engine: Engine, *rows: tuple[int, str | None, datetime]) -> None:
    """Leads (id, source, created_at)."""
    add_rows(
        engine,
        "leads",
        [
            {
                "id": i,
                "email": f"l{i}@x.test",
                "source": source,
                "created_at": when,
                "updated_at": when,
                "stage_changed_at": when,
                "attributes": {},
            }
            for i, source, when in rows
        ],
    )


def moves(engine: Engine, *rows: tuple[int, int, str, str, datetime]) -> None:
    """Stage changes (lead, cycle, from, to, at), recorded in the order given."""
    add_rows(
        engine,
        "stage_changes",
        [
            {
                "lead_id": lead,
                "cycle": cycle,
                "from_stage": f,
                "to_stage": to,
                "changed_at": when,
                "actor_type": "user",
                "reason": "not_ready" if to == "nurture" else None,
            }
            for lead, cycle, f, to, when in rows
        ],
    )


def report(engine: Engine, name: str, **given: Any) -> list[dict[str, Any]]:
    """Rows of report `name` on the store; the DuckDB copy must give the very same rows."""
    stages = given.pop("stages", None)
    parameters = ReportParameters(**given)
    rows = run_report(name, store_tables(engine), parameters, stages).rows
    assert run_report(name, duckdb_tables(engine), parameters, stages).rows == rows
    return rows


def counts(rows: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(row["stage"], row["count"]) for row in rows]


def test_ties_on_timestamps(store: Engine) -> None:
    leads(store, (1, "ads", at(1)), (2, "ads", at(1)))
    # Lead 1 is accepted the very instant it becomes an MQL; lead 2's MQL row is recorded
    # twice at one instant (an import replayed): one cohort member, not two.
    moves(
        store,
        (1, 1, "lead", "mql", at(2)),
        (1, 1, "mql", "sal", at(2)),
        (1, 1, "sal", "sql", at(2, 5)),
        (2, 1, "lead", "mql", at(3)),
        (2, 1, "lead", "mql", at(3)),
    )
    rows = report(store, "funnel", steps=("mql", "sal", "sql"))
    # A stage entered at the very instant of the entry is reached, after zero hours.
    assert counts(rows) == [("mql", 2), ("sal", 1), ("sql", 1)]
    assert [row["median_hours"] for row in rows] == [None, 0.0, 5.0]
    stays = {row["stage"]: row for row in report(store, "velocity")}
    # Ties are ordered as recorded: lead 1's mql stay ends at its sal, after 0 h; lead 2's
    # first mql row ends at its duplicate, after 0 h; the duplicate is still open.
    assert (stays["mql"]["entries"], stays["mql"]["exited"]) == (3, 2)
    assert (stays["mql"]["median_hours"], stays["mql"]["p90_hours"]) == (0.0, 0.0)
    assert (stays["sal"]["median_hours"], stays["sal"]["exited"]) == (5.0, 1)


def test_window_boundary_is_inside_and_one_microsecond_later_is_not(store: Engine) -> None:
    leads(store, (1, "ads", at(1)), (2, "ads", at(1)))
    moves(
        store,
        (1, 1, "lead", "mql", at(2)),
        (1, 1, "mql", "sal", at(2) + timedelta(hours=1)),
        (2, 1, "lead", "mql", at(2)),
        (2, 1, "mql", "sal", at(2) + timedelta(hours=1) + US),
    )
    rows = report(store, "funnel", steps=("mql", "sal"), window=timedelta(hours=1))
    assert counts(rows) == [("mql", 2), ("sal", 1)]
    # sources counts a stage within the window after creation (01 00:00): mql at 24 h is
    # inside a 24 h window, for both leads.
    sources = report(store, "sources", window=timedelta(hours=24))
    assert [(r["source"], r["leads"], r["mqls"]) for r in sources] == [("ads", 2, 2)]


def test_period_start_is_included_and_its_end_excluded(store: Engine) -> None:
    # --from 2026-03-02 --to 2026-03-02 is [03-02 00:00, 03-03 00:00).
    start, end = at(2), at(3)
    leads(store, (1, "a", start), (2, "b", end - US), (3, "c", end), (4, "d", start - US))
    moves(
        store,
        (1, 1, "lead", "mql", start),
        (2, 1, "lead", "mql", end - US),
        (3, 1, "lead", "mql", end),
        (4, 1, "lead", "mql", start - US),
    )
    created = report(store, "sources", start=start, end=end)
    # Lead 1 created on the start: in; lead 2 a microsecond before the end: in; 3, 4: out.
    assert [(r["source"], r["leads"]) for r in created] == [("a", 1), ("b", 1)]
    entered = report(store, "funnel", start=start, end=end, steps=("mql", "sql"))
    assert counts(entered)[0] == ("mql", 2)
    moved = report(store, "velocity", start=start, end=end)
    assert [(r["stage"], r["entries"]) for r in moved] == [("mql", 2)]


def test_a_lead_with_no_touches(store: Engine) -> None:
    # Lead 1 has no source, no activity at all, and an opportunity of 500.
    leads(store, (1, None, at(1)))
    moves(
        store,
        (1, 1, "lead", "mql", at(2)),
        (1, 1, "mql", "sal", at(3)),
        (1, 1, "sal", "sql", at(4)),
        (1, 1, "sql", "opportunity", at(5)),
    )
    add_rows(
        store,
        "opportunities",
        [{"lead_id": 1, "cycle": 1, "amount": 500.0, "status": "open", "opened_at": at(5)}],
    )
    sources = report(store, "sources")
    assert [(r["source"], r["leads"], r["sqls"]) for r in sources] == [("(none)", 1, 1)]
    for model in ("first_touch", "w_shaped", "time_decay"):
        credit = report(store, "attribution", model=model)
        assert [(r["channel"], r["credit"], r["outcomes"]) for r in credit] == [
            ("(none)", 500.0, 1)
        ]


def test_recycled_leads_and_the_cycle_filter(store: Engine) -> None:
    leads(store, (1, "ads", at(1)))
    moves(
        store,
        (1, 1, "lead", "mql", at(2)),
        (1, 1, "mql", "sal", at(3)),
        (1, 1, "sal", "nurture", at(4)),
        (1, 2, "nurture", "mql", at(10)),
        (1, 2, "mql", "sal", at(10, 6)),
        (1, 2, "sal", "sql", at(11)),
    )
    steps = ("mql", "sal", "sql")
    # Two members: cycle 1 reached sal only; cycle 2 sal (6 h) and sql (18 h later).
    assert counts(report(store, "funnel", steps=steps)) == [("mql", 2), ("sal", 2), ("sql", 1)]
    first = report(store, "funnel", steps=steps, cycles="first")
    assert counts(first) == [("mql", 1), ("sal", 1), ("sql", 0)]
    assert first[1]["median_hours"] == 24.0
    recycled = report(store, "funnel", steps=steps, cycles="recycled")
    assert counts(recycled) == [("mql", 1), ("sal", 1), ("sql", 1)]
    assert [r["median_hours"] for r in recycled] == [None, 6.0, 18.0]
    # The lead-level reports count the lead once, whatever its cycles.
    assert [(r["leads"], r["mqls"], r["sqls"]) for r in report(store, "sources")] == [(1, 1, 1)]


def test_stage_skipped_by_configuration(store: Engine) -> None:
    # A deployment without SAL: MQLs are qualified directly.
    leads(store, (1, "ads", at(1)), (2, "ads", at(1)))
    moves(
        store,
        (1, 1, "lead", "mql", at(2)),
        (1, 1, "mql", "sql", at(2, 8)),
        (1, 1, "sql", "opportunity", at(3)),
        (2, 1, "lead", "mql", at(2)),
    )
    rows = report(store, "funnel", stages=NO_SAL)
    # Steps are mql, sql, opportunity, customer: no sal step at all.
    assert counts(rows) == [("mql", 2), ("sql", 1), ("opportunity", 1), ("customer", 0)]
    assert [r["median_hours"] for r in rows] == [None, 8.0, 16.0, None]
    # Read with the default stages, the jumped sal counts as reached when sql was: a later
    # step never counts more than an earlier one.
    default = report(store, "funnel")
    assert counts(default)[:3] == [("mql", 2), ("sal", 1), ("sql", 1)]
    assert [r["median_hours"] for r in default][:3] == [None, 8.0, 0.0]


def _export(engine: Engine, folder: Path, suffix: str) -> dict[str, list[Path]]:
    # Each store table as one file, named and typed as the store keeps it (JSON as text).
    source = connect.operational(engine)
    files: dict[str, list[Path]] = {}
    for name in COLUMNS:
        table = source.table(name)
        if name == "lead_scores":
            table = table.filter(table.model_version == "v1")
        table = table.select(
            **{c: table[c].cast("string") if c == "attributes" else table[c] for c in COLUMNS[name]}
        )
        path = folder / f"{name}{suffix}"
        if suffix == ".csv":
            table.to_csv(path)
        else:
            table.to_parquet(path)
        files[name] = [path]
    source.disconnect()
    return files


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_exports_read_back_give_the_store_answers(
    world: Engine, tmp_path: Path, suffix: str
) -> None:
    files = _export(world, tmp_path, suffix)
    from_files = file_tables(files, threads=1)
    on_store = store_tables(world)
    for name in REPORTS:
        for by in ((), ("campaign",)):
            parameters = ReportParameters(by=by, window=timedelta(days=30))
            expected = run_report(name, on_store, parameters).rows
            assert run_report(name, from_files, parameters).rows == expected, (name, by)
    # The hand-worked answer of test_reports, from files: 4 mql entries, 2 sal, 2 sql.
    funnel = run_report("funnel", from_files).rows
    assert [row["count"] for row in funnel] == [4, 2, 2, 1, 1]
    from_files.close()
    on_store.close()
