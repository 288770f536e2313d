"""The consistency checker: a store written by the services is consistent, and each kind of
damage a crash could leave is found and named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, delete, insert, select, text, update

from leadflow.activities.models import Activity
from leadflow.config import Settings, load_settings
from leadflow.consistency.service import check_store
from leadflow.ingest.service import ingest_events
from leadflow.leads.models import Lead
from leadflow.lifecycle.models import StageChange
from leadflow.scoring import versions
from leadflow.scoring.model_file import parse_model, starter_model_text
from leadflow.scoring.models import ScoreRecord
from leadflow.sla.models import SlaTimer
from leadflow.storage.database import write_transaction
from leadflow.users.models import User
from leadflow.webhooks.models import WebhookDelivery, WebhookSubscription

NOW = datetime.now(UTC).replace(microsecond=0)
MODEL = parse_model(starter_model_text())


@pytest.fixture
def settings(db_url: str) -> Settings:
    """Default settings on the test store."""
    return load_settings(database_url=db_url)


@pytest.fixture
def store(engine: Engine, settings: Settings) -> Engine:
    """Six leads from events, two of them MQLs handed to a rep, a subscription's outbox."""
    with write_transaction(engine) as session:
        versions.record_version(session=session, model=MODEL, source=starter_model_text())
        versions.activate(session=session, version=MODEL.version)
        session.add(User(email="rep@vendor.example", name="Rep", role="sales"))
        session.add(WebhookSubscription(url="http://127.0.0.1:9/", event_types=["*"],
                                        secret_salt="s"))  # fmt: skip
    events = [
        {"type": "demo_request" if i % 3 == 0 else "page_view",
         "occurred_at": (NOW - timedelta(days=i)).isoformat(), "email": f"p{i}@co.example",
         "properties": {"path": "/pricing"}}
        for i in range(6)
    ]  # fmt: skip
    for at in (NOW - timedelta(hours=2), NOW - timedelta(hours=1)):
        with write_transaction(engine) as session:
            ingest_events(session=session, events=events, settings=settings, now=at)
        events = [e | {"occurred_at": (NOW - timedelta(minutes=30)).isoformat()} for e in events]
    return engine


def _problems(engine: Engine, settings: Settings) -> dict[str, int]:
    return check_store(engine=engine, settings=settings).problem_counts


def test_a_store_written_by_the_services_is_consistent(store: Engine, settings: Settings) -> None:
    report = check_store(engine=store, settings=settings)
    assert report.consistent, report.summary()
    assert report.counts["scores"] == 6 and report.counts["events"] == 12
    assert report.counts["leads without an active score"] == 0
    with store.connect() as connection:
        moved = connection.scalar(select(text("count(*)")).select_from(StageChange))
        queued = connection.scalar(select(text("count(*)")).select_from(WebhookDelivery))
    assert moved and queued  # the walks and the outbox were really looked at


def test_a_score_that_is_not_what_batch_gives_is_found(store: Engine, settings: Settings) -> None:
    with store.begin() as connection:
        connection.execute(
            update(ScoreRecord)
            .where(ScoreRecord.lead_id == 2)
            .values(engagement=ScoreRecord.engagement + 1)
        )
    report = check_store(engine=store, settings=settings)
    assert report.problem_counts == {"scores": 1}
    assert "lead 2" in report.summary() and "engagement" in report.summary()


def test_a_lost_or_illegal_stage_change_is_found(store: Engine, settings: Settings) -> None:
    with store.begin() as connection:
        first = connection.scalar(select(StageChange.id).order_by(StageChange.id).limit(1))
        connection.execute(delete(StageChange).where(StageChange.id == first))
    assert _problems(store, settings) == {"stage history": 1}
    with store.begin() as connection:
        lead_id = connection.scalar(select(Lead.id).where(Lead.stage == "lead").limit(1))
        connection.execute(insert(StageChange).values(
            lead_id=lead_id, from_stage="lead", to_stage="customer", cycle=1,
            changed_at=NOW, actor_type="user"))  # fmt: skip
        connection.execute(update(Lead).where(Lead.id == lead_id).values(stage="customer"))
    assert _problems(store, settings) == {"stage history": 2}


def test_repeated_events_orphans_and_bad_outbox_rows_are_found(
    store: Engine, settings: Settings
) -> None:
    with store.begin() as connection:
        if store.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        else:
            connection.exec_driver_sql("SET session_replication_role = replica")
        row = connection.execute(select(Activity).limit(1)).mappings().one()
        orphan = {**row, "id": 10_000, "event_id": row["event_id"] + "-orphan", "lead_id": 999}
        connection.execute(insert(Activity).values(orphan))
        connection.execute(update(WebhookDelivery).values(status="delivered", delivered_at=None))
        timer = connection.execute(select(SlaTimer).limit(1)).mappings().one()
        connection.execute(insert(SlaTimer).values({**timer, "id": 10_000}))
    found = _problems(store, settings)
    assert found["orphan rows"] == 1
    assert found["outbox"] >= 1 and found["sla timers"] == 1
