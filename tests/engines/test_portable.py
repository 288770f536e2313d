"""Exact times and JSON properties read the same on SQLite, PostgreSQL and DuckDB."""

from datetime import UTC, datetime, timedelta

import ibis
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from leadflow.activities.models import Activity
from leadflow.engines import connect
from leadflow.engines.portable import epoch_us, json_value
from leadflow.storage.database import session_factory

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PROPERTIES = [
    {"path": "/pricing", "seconds": 42.5, "first": True, "utm source-x": "x"},
    {"path": "/careers", "seconds": 3, "first": False},
    {},
]
TIMES = [
    datetime(2026, 1, 1, 10, 0, 0, 123456, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 59, 59, 999999, tzinfo=UTC),
    datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
]


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def _extract(table: ibis.Table, backend: str) -> pd.DataFrame:
    doc = table.properties
    expr = table.select(
        "event_id",
        t=epoch_us(table.occurred_at, backend),
        path=json_value(doc, "path", "text", backend),
        seconds=json_value(doc, "seconds", "number", backend),
        first=json_value(doc, "first", "boolean", backend),
        quoted=json_value(doc, "utm source-x", "text", backend),
    ).order_by("event_id")
    return expr.execute()


def _expected() -> list[tuple]:
    return [
        (
            f"e{i}",
            _micros(moment),
            props.get("path"),
            props.get("seconds"),
            props.get("first"),
            props.get("utm source-x"),
        )
        for i, (moment, props) in enumerate(zip(TIMES, PROPERTIES, strict=True))
    ]


def _rows(frame: pd.DataFrame) -> list[tuple]:
    return [
        tuple(None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in row)
        for row in frame.itertuples(index=False)
    ]


def test_store_tables_through_ibis(engine: Engine) -> None:
    with session_factory(engine).begin() as session:
        for i, (moment, props) in enumerate(zip(TIMES, PROPERTIES, strict=True)):
            session.add(Activity(event_id=f"e{i}", type="x", occurred_at=moment, properties=props))
    backend = connect.operational(engine)
    frame = _extract(backend.table("activities"), connect.backend_name(backend))
    assert _rows(frame) == _expected()


def test_duckdb_over_exported_rows() -> None:
    import json

    duck = connect.duckdb()
    exported = pd.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(len(TIMES))],
            "occurred_at": pd.to_datetime(TIMES, utc=True),
            "properties": [json.dumps(p) for p in PROPERTIES],
        }
    )
    table = duck.create_table("activities", exported)
    assert _rows(_extract(table, "duckdb")) == _expected()


@settings(max_examples=50, deadline=None)
@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)))
def test_epoch_us_is_exact_on_duckdb(moment: datetime) -> None:
    moment = moment.replace(tzinfo=UTC)
    duck = connect.duckdb()
    table = ibis.memtable({"at": [moment]}, schema={"at": "timestamp('UTC')"})
    assert duck.execute(epoch_us(table.at, "duckdb").name("t")).iloc[0] == _micros(moment)


def test_unknown_engines_and_unsafe_names_are_refused() -> None:
    table = ibis.table({"at": "timestamp", "doc": "json"}, name="t")
    with pytest.raises(ValueError, match="no epoch_us for engine 'oracle'"):
        epoch_us(table.at, "oracle")
    with pytest.raises(ValueError, match="quotes and backslashes"):
        json_value(table.doc, 'a"b', "text", "sqlite")


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)),
        min_size=1,
        max_size=10,
    )
)
def test_epoch_us_is_exact_on_the_sqlite_store(moments: list[datetime]) -> None:
    import tempfile

    from leadflow.storage.database import open_store

    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{folder}/t.db")
        moments = [m.replace(tzinfo=UTC) for m in moments]
        with session_factory(store).begin() as session:
            for i, moment in enumerate(moments):
                session.add(Activity(event_id=f"e{i:03d}", type="x", occurred_at=moment))
        backend = connect.operational(store)
        table = backend.table("activities")
        frame = table.select("event_id", t=epoch_us(table.occurred_at, "sqlite")).execute()
        store.dispose()
    got = dict(zip(frame.event_id, frame.t, strict=True))
    assert [got[f"e{i:03d}"] for i in range(len(moments))] == [_micros(m) for m in moments]
