"""Every report gives the same numbers on Spark (local mode) as on DuckDB, over one world.

The world is a demo world (leads, months of touches, MQLs worked by a simulated sales floor,
SLA timers, breaches, deals, spend, scores) with traps laid on top: stage changes and touches
sharing an instant, unicode and mixed-case sources and campaigns, a custom attribute to group
by. Both engines copy the same store; each report, with its options, must give the same rows
(floats to 1e-9).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update
from typer.testing import CliRunner

from leadflow.analytics.registry import REPORTS, ReportParameters, run_report
from leadflow.analytics.tables import duckdb_tables, spark_tables
from leadflow.cli.app import app
from leadflow.config import load_settings
from leadflow.demo.load import load_world
from leadflow.demo.sales import SalesFloor
from leadflow.demo.scoring import score_world
from leadflow.demo.world import WorldSpec
from leadflow.engines.config import SparkConfig
from leadflow.leads.models import Lead
from leadflow.lifecycle.stages import StageMachine
from leadflow.storage.database import create_store_engine, migrate

from .conftest import add_rows

pytestmark = pytest.mark.spark
SPEC = WorldSpec(leads=120, months=4, seed=13)
ATTRIBUTION_MODELS = ("first_touch", "last_touch", "linear", "u_shaped", "w_shaped", "time_decay")
START, END = datetime(2026, 8, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
# (report, parameters): every report, with the options that change its query's shape.
CASES: list[tuple[str, ReportParameters]] = [
    ("funnel", ReportParameters()),
    ("funnel", ReportParameters(by=("source",), window=timedelta(days=30), cycles="first")),
    ("funnel", ReportParameters(steps=("lead", "mql", "sql"), start=START, end=END)),
    ("sources", ReportParameters(by=("source", "campaign"))),
    ("velocity", ReportParameters(by=("owner",))),
    ("sla", ReportParameters(by=("team",))),
    ("sla", ReportParameters(start=START, end=END)),
    ("rejections", ReportParameters(by=("source",))),
    ("calibration", ReportParameters(by=("grade",))),
    ("calibration", ReportParameters(by=("tier",))),
    *(("attribution", ReportParameters(model=m)) for m in ATTRIBUTION_MODELS),
    ("attribution", ReportParameters(model="u_shaped", value="won_revenue", by=("campaign",))),
    ("weekly", ReportParameters(start=START, end=END)),
    ("plan", ReportParameters(target=25, goal="sql", basis="mql")),
    ("plan", ReportParameters(by=("source",), start=START, end=END)),
]


def lay_traps(engine: Engine) -> None:
    """Ties, unicode and mixed case, and a custom attribute, on top of the demo world."""
    with engine.begin() as connection:
        last = connection.scalar(select(func.max(Lead.id))) or 0
        connection.execute(
            update(Lead)
            .where(Lead.id % 7 == 0)
            .values(source="Événements", campaign="Ünïcode-Q3", attributes={"tier": "göld"})
        )
        connection.execute(update(Lead).where(Lead.id % 11 == 0).values(source="ADS"))
    at = datetime(2026, 9, 1, 9, tzinfo=UTC)
    add_rows(
        engine,
        "leads",
        [
            {"id": last + i, "email": f"tie{i}@x.test", "source": "Ads", "campaign": "c-ß",
             "created_at": at, "updated_at": at, "stage_changed_at": at, "stage": "sql",
             "attributes": {"tier": "silver"}}
            for i in (1, 2)
        ],
    )  # fmt: skip
    # Two leads whose whole history happens at one instant, and touches tied with it.
    moves = [("lead", "mql"), ("mql", "sal"), ("sal", "sql")]
    add_rows(
        engine,
        "stage_changes",
        [
            {"lead_id": last + i, "cycle": 1, "from_stage": f, "to_stage": t, "changed_at": at,
             "actor_type": "user"}
            for i in (1, 2)
            for f, t in [(None, "lead"), *moves]
        ],
    )  # fmt: skip
    add_rows(
        engine,
        "activities",
        [
            {"event_id": f"trap-{i}-{k}", "lead_id": last + i, "type": "page_view",
             "occurred_at": at, "received_at": at, "source": src, "campaign": "c-ß",
             "properties": {"path": "/prīcing"}}
            for i in (1, 2)
            for k, src in enumerate(["Ads", "ads", "Événements"])
        ],
    )  # fmt: skip


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A worked demo world with traps, in a SQLite store of its own."""
    path = tmp_path_factory.mktemp("spark-world") / "world.db"
    engine = create_store_engine(f"sqlite:///{path}")
    migrate(engine)
    settings = load_settings(database_url=f"sqlite:///{path}")
    load_world(engine, SPEC)
    floor = SalesFloor(engine=engine, settings=settings, seed=SPEC.seed, until=SPEC.ends_at)
    score_world(engine=engine, settings=settings, until=SPEC.ends_at, before_move=floor.advance)
    floor.finish()
    lay_traps(engine)
    yield engine
    engine.dispose()


def same_rows(expected: list[dict[str, Any]], got: list[dict[str, Any]], where: str) -> None:
    """Equal rows in the same order: floats to 1e-9 of their size, everything else exactly."""
    assert len(got) == len(expected), where
    for number, (want, have) in enumerate(zip(expected, got, strict=True)):
        assert have.keys() == want.keys(), where
        for column, value in want.items():
            other = have[column]
            if isinstance(value, float) and isinstance(other, float):
                assert math.isclose(other, value, rel_tol=1e-9, abs_tol=1e-9), (where, number)
            else:
                assert other == value, (where, number, column)


def test_every_report_is_covered() -> None:
    assert {name for name, _ in CASES} == set(REPORTS)


def test_every_report_gives_the_same_numbers_on_spark_and_duckdb(
    world: Engine, spark_config: SparkConfig
) -> None:
    duck, spark = duckdb_tables(world, threads=2), spark_tables(world, config=spark_config)
    stages = StageMachine()
    try:
        for name, parameters in CASES:
            expected = run_report(name, duck, parameters, stages)
            assert expected.rows, f"{name} {parameters}: the world must give it rows"
            got = run_report(name, spark, parameters, stages)
            assert got.columns == expected.columns, name
            same_rows(expected.rows, got.rows, f"{name} {parameters}")
    finally:
        duck.close()
        spark.close()


def test_the_report_command_runs_on_spark(
    world: Engine, spark_config: SparkConfig, tmp_path: Path
) -> None:
    url = world.url.render_as_string(hide_password=False)
    runner = CliRunner()
    args = ["report", "sources", "--by", "source", "--format", "json", "--db", url]
    on_duckdb = runner.invoke(app, [*args, "--engine", "duckdb"])
    on_spark = runner.invoke(app, [*args, "--engine", "spark"])
    assert on_spark.exit_code == 0, on_spark.output
    assert on_spark.stdout == on_duckdb.stdout
