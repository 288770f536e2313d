"""Every report on the small world of conftest.py, answers worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from leadflow.analytics.registry import ReportParameters, run_report
from leadflow.analytics.tables import duckdb_tables, store_tables
from leadflow.lifecycle.config import LifecycleConfig
from leadflow.lifecycle.stages import StageMachine

H = 1.0  # one hour, as the results give durations


def report(engine: Engine, name: str, **given: Any) -> list[dict[str, Any]]:
    """Rows of report `name` on the store; the DuckDB copy must give the very same rows."""
    stages = given.pop("stages", None)
    parameters = ReportParameters(**given)
    rows = run_report(name, store_tables(engine), parameters, stages).rows
    assert run_report(name, duckdb_tables(engine), parameters, stages).rows == rows
    return rows


def pick(rows: list[dict[str, Any]], *columns: str) -> list[tuple[Any, ...]]:
    return [tuple(row[c] for c in columns) for row in rows]


def test_funnel_counts_cycles_rates_and_times(world: Engine) -> None:
    rows = report(world, "funnel")
    # Entries into mql: L1 (01-02), L2 cycle 1 (01-03), L2 cycle 2 (01-20), L3 -> 4.
    # L2's first cycle ends at its second mql (nurture only); L3 is disqualified.
    # sal: L1, L2c2 = 2; sql: same 2; opportunity and customer: L1 only.
    assert pick(rows, "stage", "count") == [
        ("mql", 4),
        ("sal", 2),
        ("sql", 2),
        ("opportunity", 1),
        ("customer", 1),
    ]
    assert pick(rows, "rate", "step_rate") == [
        (1.0, None),
        (2 / 4, 2 / 4),
        (2 / 4, 2 / 2),
        (1 / 4, 1 / 2),
        (1 / 4, 1 / 1),
    ]
    # mql -> sal: L1 12 h, L2c2 24 h: sorted [12, 24]; median rank ceil(0.5*2)=1 -> 12,
    # p90 rank ceil(0.9*2)=2 -> 24. sal -> sql: L1 12 h, L2c2 4 days = 96 h.
    assert pick(rows, "median_hours", "p90_hours") == [
        (None, None),
        (12 * H, 24 * H),
        (12 * H, 96 * H),
        (48 * H, 48 * H),
        (120 * H, 120 * H),
    ]


def test_funnel_filters_cycles(world: Engine) -> None:
    first = report(world, "funnel", cycles="first")
    # Cycle 1 entries: L1, L2c1, L3; only L1 goes on.
    assert pick(first, "count") == [(3,), (1,), (1,), (1,), (1,)]
    recycled = report(world, "funnel", cycles="recycled")
    # Only L2's second cycle: it reaches sal and sql.
    assert pick(recycled, "count") == [(1,), (1,), (1,), (0,), (0,)]


def test_funnel_window_includes_its_boundary(world: Engine) -> None:
    rows = report(world, "funnel", window=timedelta(hours=12))
    # L1 reaches sal exactly 12 h after its mql: inside. Its sql comes at 24 h: outside.
    # L2c2 reaches sal after 24 h: outside.
    assert pick(rows, "count") == [(4,), (1,), (0,), (0,), (0,)]


def test_funnel_period_is_half_open(world: Engine) -> None:
    start, end = datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 1, 3, tzinfo=UTC)
    rows = report(world, "funnel", start=start, end=end)
    # Entries in [01-02, 01-03): L1 at 01-02 00:00 (on the start: in) and L3 at 02:00;
    # L2's entry at 01-03 00:00 sits on the end: out.
    assert pick(rows, "count")[:2] == [(2,), (1,)]


def test_funnel_with_stage_skipped_by_configuration(world: Engine) -> None:
    stages = StageMachine(LifecycleConfig(skip=["sal"]))
    rows = report(world, "funnel", stages=stages)
    # Without sal the steps are mql, sql, opportunity, customer; sal moves still happened
    # but are not a step. mql -> sql: L1 24 h, L2c2 5 days = 120 h.
    assert pick(rows, "stage", "count", "median_hours", "p90_hours") == [
        ("mql", 4, None, None),
        ("sql", 2, 24 * H, 120 * H),
        ("opportunity", 1, 48 * H, 48 * H),
        ("customer", 1, 120 * H, 120 * H),
    ]


def test_funnel_by_source(world: Engine) -> None:
    rows = report(world, "funnel", by=("source",), steps=("lead", "mql", "customer"))
    # ads: L1, L2 enter lead; both reach mql; L1 customer. web: L3, L4; L3 mql.
    assert pick(rows, "source", "stage", "count") == [
        ("ads", "lead", 2),
        ("ads", "mql", 2),
        ("ads", "customer", 1),
        ("web", "lead", 2),
        ("web", "mql", 1),
        ("web", "customer", 0),
    ]
    # ads lead -> mql: L1 24 h, L2 48 h; web: L3 2 h (L4 has no touches, no mql).
    assert pick(rows, "median_hours")[1] == (24 * H,)
    assert pick(rows, "median_hours")[4] == (2 * H,)


def test_sources_with_spend(world: Engine) -> None:
    rows = report(world, "sources")
    ads, web = rows
    # ads: 2 leads, both MQL and SQL, 1 customer, 1,000 won; 310 spent.
    assert pick([ads], "source", "leads", "mqls", "sqls", "customers", "revenue", "spend") == [
        ("ads", 2, 2, 2, 1, 1000.0, 310.0)
    ]
    assert ads["cost_per_lead"] == 310 / 2 and ads["cost_per_sql"] == 310 / 2
    assert ads["cost_per_customer"] == 310.0
    assert ads["roi"] == (1000 - 310) / 310
    assert (ads["mql_rate"], ads["sql_rate"], ads["win_rate"]) == (1.0, 1.0, 0.5)
    # web: L3 and L4, one MQL, nothing else, no spend: no cost, no win rate (0 SQLs).
    assert pick([web], "leads", "mqls", "sqls", "spend", "cost_per_lead", "win_rate") == [
        (2, 1, 0, None, None, None)
    ]


def test_sources_prorates_spend_to_the_period(world: Engine) -> None:
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 11, tzinfo=UTC)
    rows = report(world, "sources", start=start, end=end, by=("campaign",))
    ads = next(row for row in rows if row["campaign"] == "c1")
    # 10 of January's 31 days: 31,000 cents * 10 // 31 = 10,000 cents.
    assert (ads["campaign"], ads["spend"]) == ("c1", 100.0)


def test_velocity(world: Engine) -> None:
    rows = {row["stage"]: row for row in report(world, "velocity")}
    # lead: L1 24 h, L2 48 h, L3 2 h, L4 still open -> [2, 24, 48]: median 24, p90 48.
    assert pick([rows["lead"]], "entries", "exited", "median_hours", "p90_hours") == [
        (4, 3, 24 * H, 48 * H)
    ]
    # mql: L1 12, L2c1 24, L2c2 24, L3 22 -> [12, 22, 24, 24]: rank 2 -> 22, rank 4 -> 24.
    assert pick([rows["mql"]], "entries", "exited", "median_hours", "p90_hours") == [
        (4, 4, 22 * H, 24 * H)
    ]


def test_sla(world: Engine) -> None:
    rows = report(world, "sla", by=("rep",))
    # Three MQL timers of Ana: one met, one breached (escalated), one open: 1 / (1 + 1).
    assert pick(rows, "rep", "stage", "timers", "met", "breached", "open", "escalations") == [
        ("Ana", "mql", 3, 1, 1, 1, 1)
    ]
    assert rows[0]["compliance"] == 0.5


def test_rejections(world: Engine) -> None:
    rows = report(world, "rejections")
    assert pick(rows, "source", "campaign", "stage", "decided_by", "reason", "count") == [
        ("ads", "c1", "nurture", "sales", "not_ready", 1),
        ("web", "(none)", "disqualified", "sales", "no_fit", 1),
    ]


def test_calibration(world: Engine) -> None:
    rows = report(world, "calibration")
    # A1: L1, L2 both MQL and SQL, L1 customer. B2: L3 (MQL) and L4.
    assert pick(rows, "grade", "leads", "mqls", "sqls", "customers", "customer_rate") == [
        ("A1", 2, 2, 2, 1, 0.5),
        ("B2", 2, 1, 0, 0, 0.0),
    ]


@pytest.mark.parametrize(
    ("goal", "basis", "target", "expected"),
    [
        # ads: 1 customer of 2 leads -> ceil(3 * 2 / 1) = 6; web never won: no plan.
        ("customer", "lead", 3, [("ads", 2, 1, 6), ("web", 2, 0, None)]),
        # ads: 2 SQLs of 2 MQLs -> 5 MQLs for 5 SQLs; web: 1 MQL, 0 SQLs.
        ("sql", "mql", 5, [("ads", 2, 2, 5), ("web", 1, 0, None)]),
    ],
)
def test_plan(world: Engine, goal: str, basis: str, target: int, expected: list[Any]) -> None:
    rows = report(world, "plan", goal=goal, basis=basis, target=target)
    assert pick(rows, "source", "measured", "reached", "needed") == expected
