"""DuckDB as the batch engine: store copies, exported files, fast case folding, streaming."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from leadflow.activities.models import Activity
from leadflow.engines import connect, duck
from leadflow.engines.portable import epoch_us
from leadflow.leads.models import Lead
from leadflow.scoring.engagement import to_micros
from leadflow.scoring.language import fold_case
from leadflow.storage.database import session_factory

START = datetime(2025, 1, 31, 23, 59, 59, 999_999, tzinfo=UTC)


def test_store_tables_copy_exactly_page_by_page(engine: Engine) -> None:
    times = [START + timedelta(days=i, microseconds=7 * i) for i in range(7)]
    with session_factory(engine).begin() as session:
        session.add(Lead(id=1, email="a@acme.example", is_free_email=True, attributes={"n": 2}))
        session.flush()
        for i, at in enumerate(times):
            properties = {"path": f"/p{i}", "seconds": i / 2, "first": i % 2 == 0}
            session.add(
                Activity(
                    event_id=f"e{i}",
                    lead_id=1,
                    type="x",
                    occurred_at=at,
                    properties=properties,
                    source="google" if i else None,
                )
            )
    target = connect.duckdb()
    source = connect.operational(engine)
    copied = duck.copy_store_table(source, target, "activities", page_rows=3)
    rows = (
        copied.select("event_id", "properties", "source", t=epoch_us(copied.occurred_at, "duckdb"))
        .to_pyarrow()
        .to_pylist()
    )
    assert sorted(row["event_id"] for row in rows) == [f"e{i}" for i in range(7)]
    for row in rows:
        i = int(row["event_id"][1:])
        assert row["t"] == to_micros(times[i])
        assert json.loads(row["properties"]) == {
            "path": f"/p{i}",
            "seconds": i / 2,
            "first": i % 2 == 0,
        }
        assert row["source"] == ("google" if i else None)
    leads = duck.copy_store_table(source, target, "leads").to_pyarrow().to_pylist()
    assert leads[0]["is_free_email"] is True and json.loads(leads[0]["attributes"]) == {"n": 2}


def test_activity_files_are_read_in_place_and_joined_to_their_leads(tmp_path: Path) -> None:
    target = connect.duckdb()
    leads = target.create_table(
        "leads",
        pa.table(
            {
                "id": [1, 2],
                "email": ["ann@acme.example", "bob@acme.example"],
                "external_id": ["crm-1", None],
            }
        ),
    )
    local = timezone(timedelta(hours=2))
    pq.write_table(
        pa.table(
            {
                "lead_id": [1, None],
                "type": ["page_view", "page_view"],
                "occurred_at": pa.array([START, START], pa.timestamp("us", tz="UTC")),
                "path": ["/pricing", "/docs"],
                "seconds": [12.5, None],
            }
        ),
        tmp_path / "a.parquet",
    )
    (tmp_path / "b.csv").write_text(
        "email,lead_external_id,type,occurred_at,anonymous_id,properties,plan\n"
        f"  BOB@Acme.example ,,demo_request,{START.astimezone(local).isoformat()},,,team\n"
        f',crm-1,trial_signup,{START.replace(tzinfo=None).isoformat()},,"{{""x"": 1}}",\n'
        f"nobody@else.example,,page_view,{START.isoformat()},anon-1,,\n"
    )
    table = duck.activity_files(target, [tmp_path / "a.parquet", tmp_path / "b.csv"], leads)
    assert set(table.columns) == {
        "lead_id",
        "type",
        "occurred_at",
        "properties",
        "path",
        "seconds",
        "plan",
    }
    rows = table.mutate(t=epoch_us(table.occurred_at, "duckdb")).to_pyarrow().to_pylist()
    found = sorted(((r["type"], r["lead_id"], r["t"], r["plan"]) for r in rows), key=str)
    at = to_micros(START)
    assert found == [
        ("demo_request", 2, at, "team"),
        ("page_view", 1, at, None),
        ("page_view", None, at, None),
        ("page_view", None, at, None),
        ("trial_signup", 1, at, None),
    ]


def test_files_are_checked_before_reading(tmp_path: Path) -> None:
    target = connect.duckdb()
    leads = target.create_table("leads", pa.table({"id": [1], "email": ["a@b.c"]}))
    with pytest.raises(ValueError, match=r"expected \.parquet or \.csv"):
        duck.read_files(target, [tmp_path / "a.json"])
    with pytest.raises(ValueError, match="no such file"):
        duck.read_files(target, [tmp_path / "missing.csv"])
    (tmp_path / "a.csv").write_text("lead_id,occurred_at\n1,2025-01-01T00:00:00Z\n")
    with pytest.raises(ValueError, match="need a 'type' column"):
        duck.activity_files(target, [tmp_path / "a.csv"], leads)
    (tmp_path / "b.csv").write_text("type,occurred_at\nx,2025-01-01T00:00:00Z\n")
    with pytest.raises(ValueError, match="lead_id, email or lead_external_id"):
        duck.activity_files(target, [tmp_path / "b.csv"], leads)
    (tmp_path / "c.csv").write_text("lead_external_id,type,occurred_at\nk,x,2025-01-01\n")
    with pytest.raises(ValueError, match="by lead_external_id; the leads have no external_id"):
        duck.activity_files(target, [tmp_path / "c.csv"], leads)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.none() | st.text(max_size=12), min_size=1, max_size=20))
def test_fast_case_folding_is_the_languages_fold(texts: list[str | None]) -> None:
    target = connect.duckdb()
    table = target.create_table(
        "t", pa.table({"i": range(len(texts)), "s": pa.array(texts, pa.string())})
    )
    folded = table.select(
        "i", f=table.s.translate("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
    )
    fast = duck.fast_case_folding(folded)
    assert "strlen" in str(ibis.to_sql(fast, dialect="duckdb")).lower()
    rows = sorted(fast.to_pyarrow().to_pylist(), key=lambda row: row["i"])
    assert [row["f"] for row in rows] == [None if t is None else fold_case(t) for t in texts]


def test_results_stream_in_batches_of_the_size_asked() -> None:
    target = connect.duckdb()
    table = target.create_table("t", pa.table({"i": range(10)}))
    batches = list(duck.arrow_batches(table.order_by("i"), batch_rows=3))
    assert all(batch.num_rows <= 3 for batch in batches)
    assert [i for batch in batches for i in batch.column("i").to_pylist()] == list(range(10))
