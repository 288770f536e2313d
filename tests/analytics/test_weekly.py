"""The weekly report on the small world of conftest.py, answers worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from leadflow.analytics.registry import ReportParameters, run_report
from leadflow.analytics.request import ReportParameterError
from leadflow.analytics.tables import duckdb_tables, store_tables


def weekly(engine: Engine, **given: object) -> list[tuple[object, ...]]:
    """(week, stage, entries, leads) rows on the store; DuckDB must agree."""
    parameters = ReportParameters(**given)  # type: ignore[arg-type]
    rows = run_report("weekly", store_tables(engine), parameters).rows
    assert run_report("weekly", duckdb_tables(engine), parameters).rows == rows
    return [tuple(row.values()) for row in rows]


def test_entries_per_monday_week_in_stage_order(world: Engine) -> None:
    # 2026-01-01 is a Thursday: its week starts Monday 2025-12-29. L2's second cycle enters
    # mql, sal and sql in the week of 01-19 (sql on Sunday 01-25, still that week).
    assert weekly(world) == [
        ("2025-12-29", "mql", 3, 3),
        ("2025-12-29", "sal", 1, 1),
        ("2025-12-29", "sql", 1, 1),
        ("2026-01-05", "opportunity", 1, 1),
        ("2026-01-05", "customer", 1, 1),
        ("2026-01-19", "mql", 1, 1),
        ("2026-01-19", "sal", 1, 1),
        ("2026-01-19", "sql", 1, 1),
    ]


def test_steps_cycles_period_and_groups(world: Engine) -> None:
    assert weekly(world, steps=("mql",), cycles="recycled") == [("2026-01-19", "mql", 1, 1)]
    # The period is half-open on the change's instant: L1's mql at 01-02 00:00 is out.
    start = datetime(2026, 1, 2, 1, tzinfo=UTC)
    end = datetime(2026, 1, 20, tzinfo=UTC)
    assert weekly(world, steps=("mql",), start=start, end=end) == [("2025-12-29", "mql", 2, 2)]
    assert weekly(world, steps=("mql",), by=("source",)) == [
        ("ads", "2025-12-29", "mql", 2, 2),
        ("ads", "2026-01-19", "mql", 1, 1),
        ("web", "2025-12-29", "mql", 1, 1),
    ]


def test_an_unknown_stage_names_steps(world: Engine) -> None:
    with pytest.raises(ReportParameterError, match="unknown stage 'mqll'") as caught:
        run_report("weekly", store_tables(world), ReportParameters(steps=("mqll",)))
    assert caught.value.field == "steps"
