"""The column-wise path of a clean file stores what the row-by-row path stores."""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.dialects import sqlite

from leadflow.activities.models import Activity
from leadflow.importing.activities import event_digest
from leadflow.importing.activity_columns import event_id_column
from leadflow.importing.columnar import ColumnChunk
from leadflow.importing.plan import ColumnRules
from leadflow.importing.report import ImportFailed
from leadflow.importing.service import ImportOptions, import_file
from leadflow.leads.models import Lead
from leadflow.storage.bulk import sqlite_utc_text
from leadflow.storage.database import create_store_engine

text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=8)
number = st.one_of(st.integers(-(2**60), 2**60), st.floats(allow_nan=False, allow_infinity=False))
moment = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {
                "email": st.one_of(st.none(), st.sampled_from(["a@acme.com", "b@beta.io"])),
                "anonymous_id": st.one_of(st.none(), text),
                "type": text,
                "occurred_at": moment,
            },
            optional={"page": text, "seconds": number, "flag": st.booleans()},
        ).filter(lambda row: row["email"] or row["anonymous_id"]),
        min_size=1,
        max_size=8,
    )
)
def test_event_id_column_is_event_digest_of_every_row(rows: list[dict]) -> None:
    fields = {name: [row[name] for row in rows] for name in ("type", "occurred_at")}
    for name in ("email", "anonymous_id"):
        fields[name] = [row[name] for row in rows]
    types = {"page": "text", "seconds": "number", "flag": "boolean"}
    attributes = {name: [row.get(name) for row in rows] for name in types}
    chunk = ColumnChunk(len(rows), fields, attributes, types)
    expected = []
    for row in rows:
        known = {k: v for k, v in row.items() if k not in types and v is not None}
        properties = {k: row[k] for k in types if row.get(k) is not None}
        expected.append(event_digest(known, properties))
    assert event_id_column(chunk) == expected


@given(
    moment=st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=-7, minutes=-30))]),
    )
)
def test_sqlite_utc_text_is_what_the_column_type_binds(moment: datetime) -> None:
    dialect = sqlite.dialect()
    bind = Activity.__table__.c.occurred_at.type.dialect_impl(dialect).bind_processor(dialect)
    assert sqlite_utc_text(moment) == bind(moment)


COLUMNS = ["email", "lead_external_id", "anonymous_id", "type", "occurred_at", "page", "seconds"]
cell = st.sampled_from(["", " ", "x", "Ünï", "02134", "12", "3.50", "true", "2024-05-01"])
csv_row = st.fixed_dictionaries(
    {
        "email": st.sampled_from(["", "ann@acme.com", "BOB@beta.io ", "cy@gmail.com"]),
        "lead_external_id": st.sampled_from(["", "", "crm-1"]),
        "anonymous_id": st.sampled_from(["", "anon-1"]),
        "type": st.sampled_from(["page_view", "email_open"]),
        "occurred_at": st.sampled_from(
            ["2024-01-05T10:00:00Z", "2024-01-05 11:00:00+01:00", "2024-01-06"]
        ),
        "page": cell,
        "seconds": cell,
    }
).filter(lambda row: row["email"] or row["anonymous_id"])


def _stored(url: str) -> tuple[list[tuple], list[tuple]]:
    engine = create_store_engine(url)
    with engine.connect() as connection:
        activities = connection.execute(
            select(
                Activity.event_id,
                Lead.email,
                Activity.anonymous_id,
                Activity.type,
                Activity.occurred_at,
                Activity.properties,
            )
            .outerjoin(Lead, Lead.id == Activity.lead_id)
            .order_by(Activity.id)
        ).all()
        leads = connection.execute(
            select(Lead.email, Lead.created_at, Lead.account_id).order_by(Lead.id)
        ).all()
    engine.dispose()
    # Properties compare as objects: JSON Lines keep each line's key order.
    return [tuple(json.dumps(v, default=str, sort_keys=True) for v in row) for row in activities], [
        tuple(row) for row in leads
    ]


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(csv_row, min_size=1, max_size=10), chunk_rows=st.integers(1, 4))
def test_a_clean_csv_stores_what_the_same_rows_as_json_lines_store(
    sqlite_template: Path, tmp_path: Path, write, rows: list[dict], chunk_rows: int
) -> None:
    """CSV is written column-wise, JSON Lines row by row: the stores come out the same."""
    results = []
    for name in ("events.csv", "events.jsonl"):
        tag = uuid.uuid4().hex[:8]
        database = tmp_path / f"{tag}.db"
        shutil.copy(sqlite_template, database)
        url = f"sqlite:///{database}"
        engine = create_store_engine(url)
        lines = [{k: v for k, v in row.items() if v != ""} for row in rows]
        path = write(f"{tag}-{name}", lines if name.endswith("jsonl") else rows, COLUMNS)
        options = ImportOptions(columns=ColumnRules(), chunk_rows=chunk_rows)
        try:
            summary = import_file(engine=engine, kind="activities", path=path, options=options)
        except ImportFailed as exc:
            # Bad rows (a value not of its column's inferred type, two leads' keys): both
            # paths refuse the same rows and write nothing.
            results.append((_stored(url), exc.bad_rows))
            continue
        finally:
            engine.dispose()
        counts = (summary.rows, summary.created, summary.duplicates, summary.anonymous)
        results.append((_stored(url), counts, summary.leads_created))
    assert results[0] == results[1]
