"""Batch scoring on Spark (local mode) gives DuckDB's numbers and the definition's, with traps.

One seeded world with every trap the scoring tests use: events on both sides of as_of and
on a window's edge, many events sharing an instant, the same event in two overlapping
exports (a Parquet file by lead id and a CSV file by e-mail, upper-cased, padded and in
local time), unicode in attributes and properties. Spark scores it from a copy of the store
and from the exports; each lead's score must equal DuckDB's and `score_lead`'s to 1e-9.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from random import Random
from typing import Any

import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine, select, update
from typer.testing import CliRunner

from leadflow.cli.app import app
from leadflow.engines.config import SparkConfig
from leadflow.leads.models import Lead
from leadflow.scoring import LeadScore, parse_model
from leadflow.scoring.batch import batch_scores
from leadflow.scoring.batch_inputs import ExportSources, duckdb_inputs, spark_inputs
from leadflow.scoring.catalog import store_schema
from leadflow.scoring.models import ScoreRecord
from leadflow.storage.database import create_store_engine, session_factory

from .test_batch import (
    AS_OF,
    KINDS,
    MODEL_TEXT,
    SCHEMA,
    Row,
    assert_same,
    export,
    near_an_edge,
    reference,
    store,
)

pytestmark = pytest.mark.spark
# Minutes before as_of: on it, on the 2-day and 14-day window edges, after it (negative).
INSTANTS = [0, 0, 2880, 20160, -1, -600, 5, 90, 1440, 4000, 30 * 1440]
PATHS = [None, "/pricing", "/Pricing/teams", "/prīcing/ünï", "/careers", "/blog", ""]


def trap_world(random: Random) -> dict[str, list[Row]]:
    """Accounts, leads and events (see the module docstring), the same for a seed."""
    accounts = [
        {"id": i, "employees": random.choice([None, 10, 1000]), "attributes": {"tier": tier}}
        for i, tier in ((1, "gold"), (2, "GÖLD"), (3, "silver"))
    ]
    leads = []
    for i in range(1, 41):
        custom = {
            "intent": random.choice([None, "CRM software", "crm — ünïcode", "hr"]),
            "score_x": random.choice([None, 12, 50, 50.5, 99]),
            "vip": random.choice([None, True, False]),
            "signed_up": random.choice([None, "2024-05-01T00:00:00+00:00"]),
        }
        leads.append(
            {
                "id": i,
                "email": f"zoë.{i}@x{i % 5}.example",
                "email_domain": random.choice(["acme.example"] * 4 + ["rival.example"]),
                "seniority": random.choice([None, "VP", "c-level", "manager"]),
                "title": random.choice([None, "PhD Student", "Étudiant — student", "Head"]),
                "country": random.choice([None, "US", "DE"]),
                "is_free_email": random.random() < 0.3,
                "account_id": random.choice([None, 1, 2, 3]),
                "attributes": {k: v for k, v in custom.items() if v is not None},
            }
        )
    events = []
    for i in range(400):
        minutes = random.choice(INSTANTS) if random.random() < 0.6 else random.randint(0, 9000)
        properties = {
            "path": random.choice(PATHS),
            "seconds": random.choice([None, 5, 30, 45.5]),
            "first": random.choice([None, True, False]),
            "plan": random.choice([None, "team", "Team", "solo"]),
        }
        events.append(
            {
                "event_id": f"e{i:04d}",
                "lead_id": random.choice([None, *range(1, 41)]),
                "type": random.choice(KINDS),
                "occurred_at": AS_OF - timedelta(minutes=minutes),
                "properties": {k: v for k, v in properties.items() if v is not None},
                "source": random.choice([None, "google", "LinkedIn", "linkedin"]),
            }
        )
    return {"accounts": accounts, "leads": leads, "events": events}


@pytest.fixture
def world(sqlite_url: str, tmp_path: Path) -> tuple[Engine, dict[str, list[Row]], list[Path]]:
    """The trap world in a SQLite store, and its two overlapping exports."""
    world = trap_world(Random(7))
    engine = create_store_engine(sqlite_url)
    store(engine, world)
    files = export(world, tmp_path, Random(8))
    yield engine, world, files
    engine.dispose()


def test_spark_scores_like_duckdb_and_the_definition(
    world: tuple[Engine, dict[str, list[Row]], list[Path]], spark_config: SparkConfig
) -> None:
    engine, rows, files = world
    model = parse_model(MODEL_TEXT, file="law.yaml", schema=SCHEMA)
    expected = reference(model, rows)
    # No lead sits within rounding of a band edge: the labels must agree exactly.
    assert not any(near_an_edge(score) for score in expected.values())
    with session_factory(engine)() as session:
        schema = store_schema(session=session)
    exports = ExportSources(activities=tuple(str(f) for f in files))
    runs = {
        "duckdb": duckdb_inputs(engine, threads=2),
        "duckdb from files": duckdb_inputs(engine, activity_files=files, threads=2),
        "spark": spark_inputs(engine, config=spark_config),
        "spark from files": spark_inputs(engine, config=spark_config, sources=exports),
    }
    got: dict[str, dict[int, LeadScore]] = {
        name: dict(batch_scores(model, schema, inputs, as_of=AS_OF, batch_rows=7))
        for name, inputs in runs.items()
    }
    for name, scores in got.items():
        assert scores.keys() == expected.keys(), name
        for lead_id, score in expected.items():
            assert_same(score, scores[lead_id], f"{name}, lead {lead_id}")
    for lead_id, score in got["duckdb from files"].items():
        assert_same(score, got["spark from files"][lead_id], f"files, lead {lead_id}")
        assert_same(got["duckdb"][lead_id], got["spark"][lead_id], f"store, lead {lead_id}")


def stored_scores(engine: Engine) -> dict[int, tuple[Any, ...]]:
    """The stored scores of version b-1, by lead."""
    with session_factory(engine)() as session:
        records = session.scalars(select(ScoreRecord).where(ScoreRecord.model_version == "b-1"))
        return {
            r.lead_id: (r.fit, r.engagement, r.grade, r.disqualified_by, r.is_mql) for r in records
        }


def test_the_score_command_writes_the_same_scores_to_the_store_and_to_parquet(
    world: tuple[Engine, dict[str, list[Row]], list[Path]],
    spark_config: SparkConfig,
    tmp_path: Path,
) -> None:
    engine, _, files = world
    with engine.begin() as connection:
        # Leads that existed before as_of, so the MQLs it finds may move them.
        before = AS_OF - timedelta(days=365)
        connection.execute(update(Lead).values(created_at=before, stage_changed_at=before))
    model_file = tmp_path / "law.yaml"
    model_file.write_text(MODEL_TEXT, encoding="utf-8")
    url = engine.url.render_as_string(hide_password=False)
    runner = CliRunner()
    score = ["score", "--model", str(model_file), "--as-of", AS_OF.isoformat(), "--db", url]

    written = {}
    for kind in ("duckdb", "spark"):
        done = runner.invoke(app, [*score, "--engine", kind, "--format", "json"])
        assert done.exit_code == 0, done.output
        written[kind] = stored_scores(engine)
    assert len(written["spark"]) == 40
    for lead_id, (fit, engagement, *labels) in written["duckdb"].items():
        spark_fit, spark_engagement, *spark_labels = written["spark"][lead_id]
        assert (spark_fit, spark_labels) == (fit, labels), lead_id
        assert spark_engagement == pytest.approx(engagement, rel=1e-9, abs=1e-9), lead_id

    # Exports in, Parquet out: a folder of activity files, and the store left as it was.
    folder = tmp_path / "exports"
    folder.mkdir()
    for file in files:
        file.rename(folder / file.name)
    outputs = {}
    for kind in ("duckdb", "spark"):
        out = tmp_path / f"scores-{kind}"
        args = [*score, "--engine", kind, "--activities", str(folder), "--output", str(out)]
        done = runner.invoke(app, args)
        assert done.exit_code == 0, done.output
        table = pq.read_table(out).sort_by("lead_id").to_pylist()
        outputs[kind] = {row.pop("lead_id"): row for row in table}
    assert stored_scores(engine) == written["spark"]
    assert outputs["spark"].keys() == outputs["duckdb"].keys() == written["spark"].keys()
    for lead_id, row in outputs["duckdb"].items():
        other = outputs["spark"][lead_id]
        assert other.keys() == row.keys()
        for column, value in row.items():
            if isinstance(value, float):
                assert other[column] == pytest.approx(value, rel=1e-9, abs=1e-9), column
            else:
                assert other[column] == value, (lead_id, column)
