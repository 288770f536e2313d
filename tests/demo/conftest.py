"""Demo worlds as rows keyed by natural keys (e-mail, domain, event id), generated or loaded.

Surrogate ids differ between stores and between loads, so rows refer to each other by
natural key here; values are made plain (ISO times in UTC, sorted JSON) so a generated world
and one read back from SQLite or PostgreSQL compare equal when loading is faithful.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, Table, select
from sqlalchemy.orm import aliased

from leadflow.accounts.models import Account
from leadflow.activities.models import Activity
from leadflow.analytics.models import CampaignSpend
from leadflow.demo.generate import World, iter_chunks
from leadflow.demo.models import DemoTruth
from leadflow.leads.models import Lead
from leadflow.users.models import User

Rows = dict[str, list[tuple[Any, ...]]]


def plain(value: Any) -> Any:
    """A value as it compares across databases."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


def _columns(table: Table, *skip: str) -> list[str]:
    return [column.name for column in table.columns if column.name not in {"id", *skip}]


ACCOUNT = _columns(Account.__table__)
LEAD = _columns(Lead.__table__, "account_id")
ACTIVITY = _columns(Activity.__table__, "lead_id")
TRUTH = _columns(DemoTruth.__table__, "lead_id")
# Demo people have no dashboard password until `demo --serve` gives the logins one.
USER = _columns(User.__table__, "manager_id", "password_hash", "password_changed_at")
SPEND = _columns(CampaignSpend.__table__)


def _row(source: dict[str, Any], columns: list[str], *extra: Any) -> tuple[Any, ...]:
    return tuple(plain(source[name]) for name in columns) + extra


def generated_rows(world: World, *, chunk_leads: int) -> Rows:
    """Every row the world would write, from its generators."""
    accounts = world.accounts.rows
    team = world.team
    managers = [manager["email"] for manager in team.managers]
    rows: Rows = {
        "accounts": [_row(account, ACCOUNT) for account in accounts],
        "users": [_row(manager, USER, None) for manager in team.managers]
        + [
            _row(rep, USER, managers[index])
            for rep, index in zip(team.reps, team.rep_managers, strict=True)
        ],
        "campaign_spend": [_row(spend, SPEND) for spend in world.spend],
        "leads": [],
        "activities": [],
        "demo_truth": [],
    }
    for chunk in iter_chunks(world, chunk_leads=chunk_leads):
        for lead in chunk:
            email = lead.row["email"]
            domain = None if lead.account is None else accounts[lead.account]["domain"]
            rows["leads"].append(_row(lead.row, LEAD, domain))
            rows["activities"].extend(_row(a, ACTIVITY, email) for a in lead.activities)
            rows["demo_truth"].append(_row(lead.truth, TRUTH, email))
    return {name: sorted(table, key=repr) for name, table in rows.items()}


def loaded_rows(engine: Engine) -> Rows:
    """Every row of the demo's tables in a store, read back."""
    lead, account = Lead.__table__, Account.__table__
    manager = aliased(User)
    queries = {
        "accounts": select(*(account.c[n] for n in ACCOUNT)),
        "users": select(*(User.__table__.c[n] for n in USER), manager.email).outerjoin(
            manager, User.manager_id == manager.id
        ),
        "campaign_spend": select(*(CampaignSpend.__table__.c[n] for n in SPEND)),
        "leads": select(*(lead.c[n] for n in LEAD), account.c.domain).outerjoin(
            account, lead.c.account_id == account.c.id
        ),
        "activities": select(*(Activity.__table__.c[n] for n in ACTIVITY), lead.c.email).join(
            lead, Activity.lead_id == lead.c.id
        ),
        "demo_truth": select(*(DemoTruth.__table__.c[n] for n in TRUTH), lead.c.email).join(
            lead, DemoTruth.lead_id == lead.c.id
        ),
    }
    with engine.connect() as connection:
        return {
            name: sorted(
                (tuple(plain(value) for value in row) for row in connection.execute(query)),
                key=repr,
            )
            for name, query in queries.items()
        }


def digest(rows: Rows) -> str:
    """One fingerprint for a whole world."""
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()


@pytest.fixture(scope="session")
def rows_of_world() -> Callable[..., Rows]:
    """Every row a world would write: `rows_of_world(world, chunk_leads=N)`."""
    return generated_rows


@pytest.fixture(scope="session")
def rows_in_store() -> Callable[[Engine], Rows]:
    """Every demo row a store holds: `rows_in_store(engine)`."""
    return loaded_rows


@pytest.fixture(scope="session")
def world_digest() -> Callable[[Rows], str]:
    """A fingerprint of rows: `world_digest(rows)`."""
    return digest
