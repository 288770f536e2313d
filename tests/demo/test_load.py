"""Loading writes exactly the generated world, on SQLite and PostgreSQL; a store in use is
refused, and --reset replaces only a demo world."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select

from leadflow.demo.generate import make_world
from leadflow.demo.load import load_world
from leadflow.demo.world import WorldSpec
from leadflow.errors import InvalidInputError
from leadflow.leads.models import Lead
from leadflow.lifecycle.models import StageChange
from leadflow.storage.bulk import insert_rows
from leadflow.users.models import User

SMALL = WorldSpec(leads=150, months=4, seed=11)


def _count(engine: Engine, model: type) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(model)).scalar_one())


def test_the_store_holds_exactly_the_generated_world(
    engine: Engine, rows_in_store: Callable, rows_of_world: Callable
) -> None:
    progress: list[tuple[int, int]] = []
    summary = load_world(
        engine, SMALL, chunk_leads=37, on_progress=lambda *done: progress.append(done)
    )
    assert rows_in_store(engine) == rows_of_world(make_world(SMALL), chunk_leads=1_000)
    assert progress == [(37, 150), (74, 150), (111, 150), (148, 150), (150, 150)]
    assert (summary.leads, summary.activities) == (150, len(rows_in_store(engine)["activities"]))
    with engine.connect() as connection:
        entries = connection.execute(
            select(StageChange.to_stage, func.count()).group_by(StageChange.to_stage)
        ).all()
    assert entries == [("lead", 150)]


def test_a_store_that_has_leads_is_refused_and_left_as_it_was(
    engine: Engine, rows_in_store: Callable
) -> None:
    load_world(engine, SMALL)
    before = rows_in_store(engine)
    with pytest.raises(InvalidInputError, match=r"already has 150 leads and 90 accounts.*--reset"):
        load_world(engine, WorldSpec(leads=20, seed=99))
    assert rows_in_store(engine) == before


def test_reset_replaces_a_demo_world_and_keeps_other_users(
    engine: Engine, rows_in_store: Callable, rows_of_world: Callable
) -> None:
    load_world(engine, SMALL)
    with engine.begin() as connection:
        insert_rows(
            connection,
            User.__table__,
            [
                {
                    "email": "admin@example.com",
                    "name": "Admin",
                    "role": "admin",
                    "territory": {},
                    "time_zone": "UTC",
                    "active": True,
                    "created_at": datetime(2026, 1, 1, tzinfo=UTC),
                }
            ],
        )
    other = WorldSpec(leads=40, months=2, seed=12)
    load_world(engine, other, reset=True)
    stored = rows_in_store(engine)
    admin = [row for row in stored["users"] if row[0] == "admin@example.com"]
    stored["users"] = [row for row in stored["users"] if row not in admin]
    assert stored == rows_of_world(make_world(other), chunk_leads=100)
    assert len(admin) == 1
    assert _count(engine, StageChange) == 40


def test_reset_refuses_a_store_with_leads_the_demo_did_not_make(engine: Engine) -> None:
    load_world(engine, SMALL)
    with engine.begin() as connection:
        now = datetime(2026, 1, 1, tzinfo=UTC)
        insert_rows(
            connection,
            Lead.__table__,
            [
                {
                    "email": "real.customer@example.com",
                    "stage": "lead",
                    "cycle": 1,
                    "is_free_email": False,
                    "is_disposable_email": False,
                    "attributes": {},
                    "created_at": now,
                    "updated_at": now,
                    "stage_changed_at": now,
                }
            ],
        )
    with pytest.raises(InvalidInputError, match="1 of its 151 leads were not made by"):
        load_world(engine, SMALL, reset=True)
    assert _count(engine, Lead) == 151
