"""The stored activities depend only on the set of distinct rows: not on order or chunking."""

from __future__ import annotations

import hashlib
import shutil
import uuid
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from leadflow.activities.models import Activity
from leadflow.importing.plan import ColumnRules
from leadflow.importing.service import ImportOptions, import_file
from leadflow.leads.models import Lead
from leadflow.storage.database import create_store_engine

COLUMNS = ["event_id", "email", "type", "occurred_at", "page", "seconds"]
EMAILS = ("ann@acme.com", "bob@gmail.com", "cy@beta.io")
event = st.fixed_dictionaries(
    {
        "event_id": st.booleans(),
        "email": st.sampled_from(EMAILS),
        "type": st.sampled_from(["page_view", "email_open"]),
        "occurred_at": st.sampled_from(
            ["2024-01-05T10:00:00Z", "2024-01-05T11:00:00+01:00", "2024-01-06T08:00:00Z"]
        ),
        "page": st.sampled_from(["", "/", "/pricing"]),
        "seconds": st.sampled_from(["", "1", "2.5"]),
    }
)


def stored_set(url: str) -> set[tuple]:
    engine = create_store_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                Activity.event_id,
                Lead.email,
                Activity.type,
                Activity.occurred_at,
                Activity.properties,
            ).join(Lead, Lead.id == Activity.lead_id)
        ).all()
    engine.dispose()
    return {(e, m, t, o, tuple(sorted(p.items()))) for e, m, t, o, p in rows}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(event, min_size=1, max_size=12),
    order=st.randoms(use_true_random=False),
    chunk_rows=st.integers(min_value=1, max_value=5),
)
def test_any_order_and_chunking_stores_the_same_set(
    sqlite_template: Path, tmp_path: Path, write, rows, order, chunk_rows
) -> None:
    # A sender's id names one event: rows sharing an id share their content.
    for row in rows:
        content = "|".join(str(row[key]) for key in COLUMNS[1:])
        row["event_id"] = (
            f"evt-{hashlib.sha1(content.encode()).hexdigest()[:8]}" if row["event_id"] else ""
        )
    shuffled = list(rows)
    order.shuffle(shuffled)
    # A numeric column first seen in one order must not be text in another.
    types = {"seconds": "number", "page": "text"}
    results = []
    for name, batch, chunk in (("a", rows, 100), ("b", shuffled, chunk_rows)):
        tag = uuid.uuid4().hex[:8]
        database = tmp_path / f"{name}-{tag}.db"
        shutil.copy(sqlite_template, database)
        url = f"sqlite:///{database}"
        engine = create_store_engine(url)
        path = write(f"{name}-{tag}.csv", batch, COLUMNS)
        options = ImportOptions(columns=ColumnRules(types=types), chunk_rows=chunk)
        summary = import_file(engine=engine, kind="activities", path=path, options=options)
        engine.dispose()
        results.append((stored_set(url), summary.created, summary.created + summary.duplicates))
    assert results[0] == results[1]
    assert results[0][2] == len(rows)
