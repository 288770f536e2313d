"""A small world whose report answers are worked out by hand in the tests.

All times are 2026-01 UTC. Four leads and one rep:

- L1 ads/c1, created 01-01 00:00: mql 01-02 00:00, sal 01-02 12:00, sql 01-03 00:00,
  opportunity 01-05 00:00, customer 01-10 00:00; opportunity won, 1,000.00.
- L2 ads/c1, created 01-01 00:00: mql 01-03 00:00, nurture 01-04 00:00 (not_ready),
  mql again 01-20 00:00 (cycle 2), sal 01-21 00:00, sql 01-25 00:00.
- L3 web, created 01-02 00:00: mql 01-02 02:00, disqualified 01-03 00:00 (no_fit).
- L4 web, created 01-05 00:00: nothing since; no touches at all.

Spend: ads/c1 for January (31 days), 310.00. Scores (active model v1): L1 and L2 A1,
L3 and L4 B2. SLA timers on the MQL stage: L1 met, L2 breached and escalated to a manager,
L3 still open; all owned by Ana of team East.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, insert

from leadflow.storage.database import create_store_engine
from leadflow.storage.registry import metadata


def at(day: int, hour: int = 0) -> datetime:
    """An instant of January 2026, UTC."""
    return datetime(2026, 1, day, hour, tzinfo=UTC)


HISTORY: list[tuple[int, int, str | None, str, datetime, str, str | None]] = [
    # lead, cycle, from, to, at, actor type, reason
    (1, 1, None, "lead", at(1), "import", None),
    (1, 1, "lead", "mql", at(2), "rule", None),
    (1, 1, "mql", "sal", at(2, 12), "user", None),
    (1, 1, "sal", "sql", at(3), "user", None),
    (1, 1, "sql", "opportunity", at(5), "user", None),
    (1, 1, "opportunity", "customer", at(10), "user", None),
    (2, 1, None, "lead", at(1), "import", None),
    (2, 1, "lead", "mql", at(3), "rule", None),
    (2, 1, "mql", "nurture", at(4), "user", "not_ready"),
    (2, 2, "nurture", "mql", at(20), "rule", None),
    (2, 2, "mql", "sal", at(21), "user", None),
    (2, 2, "sal", "sql", at(25), "user", None),
    (3, 1, None, "lead", at(2), "import", None),
    (3, 1, "lead", "mql", at(2, 2), "rule", None),
    (3, 1, "mql", "disqualified", at(3), "user", "no_fit"),
    (4, 1, None, "lead", at(5), "import", None),
]


def add_rows(engine: Engine, table: str, rows: list[dict[str, Any]]) -> None:
    """Insert rows into a store table."""
    with engine.begin() as connection:
        connection.execute(insert(metadata.tables[table]), rows)


def build_world(engine: Engine) -> None:
    """Write the small world described above into an empty store."""
    add_rows(engine, "users", [{"id": 1, "email": "ana@x.test", "name": "Ana", "team": "East"}])
    leads = [
        (1, "ads", "c1", at(1), 1),
        (2, "ads", "c1", at(1), 1),
        (3, "web", None, at(2), 1),
        (4, "web", None, at(5), None),
    ]
    add_rows(
        engine,
        "leads",
        [
            {
                "id": i,
                "email": f"l{i}@x.test",
                "source": s,
                "campaign": c,
                "created_at": when,
                "updated_at": when,
                "stage_changed_at": when,
                "owner_id": owner,
                "attributes": {},
            }
            for i, s, c, when, owner in leads
        ],
    )
    add_rows(
        engine,
        "stage_changes",
        [
            {
                "lead_id": lead,
                "cycle": cycle,
                "from_stage": f,
                "to_stage": to,
                "changed_at": when,
                "actor_type": actor,
                "reason": reason,
            }
            for lead, cycle, f, to, when, actor, reason in HISTORY
        ],
    )
    add_rows(
        engine,
        "opportunities",
        [
            {
                "lead_id": 1,
                "cycle": 1,
                "amount": 1000.0,
                "status": "won",
                "opened_at": at(5),
                "closed_at": at(10),
            }
        ],
    )
    add_rows(
        engine,
        "campaign_spend",
        [
            {
                "source": "ads",
                "medium": "cpc",
                "campaign": "c1",
                "period_start": date(2026, 1, 1),
                "period_end": date(2026, 1, 31),
                "amount": 310.0,
                "currency": "USD",
                "created_at": at(1),
            }
        ],
    )
    add_rows(
        engine,
        "scoring_model_versions",
        [
            {
                "version": "v1",
                "name": "m",
                "checksum": "x",
                "source": "",
                "is_active": True,
                "created_at": at(1),
            }
        ],
    )
    add_rows(
        engine,
        "lead_scores",
        [
            {
                "lead_id": i,
                "model_version": "v1",
                "fit": 0.0,
                "engagement": 0.0,
                "fit_band": g[0],
                "engagement_band": int(g[1]),
                "grade": g,
                "is_mql": False,
                "explanation": [],
                "as_of": at(1),
                "scored_at": at(1),
            }
            for i, g in ((1, "A1"), (2, "A1"), (3, "B2"), (4, "B2"))
        ],
    )
    timers = [(1, "met", None), (2, "breached", "manager"), (3, "open", None)]
    add_rows(
        engine,
        "sla_timers",
        [
            {
                "lead_id": i,
                "cycle": 1,
                "stage": "mql",
                "owner_id": 1,
                "team": "East",
                "started_at": at(2),
                "due_at": at(3),
                "status": status,
                "escalation": escalation,
            }
            for i, status, escalation in timers
        ],
    )


@pytest.fixture
def world(db_url: str) -> Iterator[Engine]:
    """The small world, on SQLite and on PostgreSQL."""
    engine = create_store_engine(db_url)
    build_world(engine)
    yield engine
    engine.dispose()
