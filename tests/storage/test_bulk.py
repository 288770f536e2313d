"""Bulk inserts: ids come back in order, duplicates on a unique key are dropped and counted."""

from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from leadflow.activities.models import Activity
from leadflow.leads.models import Lead
from leadflow.storage.bulk import insert_returning_ids, insert_rows

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def _lead(email: str) -> dict:
    return {
        "email": email,
        "stage": "lead",
        "cycle": 1,
        "is_free_email": False,
        "is_disposable_email": False,
        "attributes": {},
        "created_at": NOW,
        "updated_at": NOW,
        "stage_changed_at": NOW,
    }


def test_ids_come_back_in_row_order(engine: Engine) -> None:
    emails = [f"p{i}@example.com" for i in range(250)]
    with engine.begin() as connection:
        ids = insert_returning_ids(connection, Lead.__table__, [_lead(e) for e in emails])
        stored = dict(connection.execute(select(Lead.id, Lead.email)).all())
    assert [stored[i] for i in ids] == emails


def test_conflicting_rows_are_dropped_and_counted(engine: Engine) -> None:
    def activity(event_id: str) -> dict:
        return {
            "event_id": event_id,
            "type": "page_view",
            "occurred_at": NOW,
            "received_at": NOW,
            "properties": {},
        }

    with engine.begin() as connection:
        first = insert_rows(connection, Activity.__table__, [activity("a"), activity("b")])
        second = insert_rows(
            connection,
            Activity.__table__,
            [activity("b"), activity("c")],
            ignore_conflicts=True,
        )
        total = connection.execute(select(func.count()).select_from(Activity)).scalar_one()
    assert (first, second, total) == (2, 1, 3)
