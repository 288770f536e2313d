"""Loading a demo world into the store, chunk by chunk; a store in use is refused."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Table, delete, func, select

from leadflow.accounts.models import Account
from leadflow.demo.generate import (
    DEFAULT_CHUNK_LEADS,
    SimulatedLead,
    World,
    WorldSummary,
    iter_chunks,
    make_world,
)
from leadflow.demo.models import DemoTruth
from leadflow.demo.vocabulary import VENDOR_DOMAIN
from leadflow.demo.world import WorldSpec
from leadflow.errors import InvalidInputError
from leadflow.leads.identity import DomainRules
from leadflow.leads.models import Lead
from leadflow.lifecycle.models import ActorType
from leadflow.storage.bulk import insert_returning_ids, insert_rows
from leadflow.storage.registry import metadata
from leadflow.users.models import User

Progress = Callable[[int, int], None]
DEMO_ACTOR = "leadflow demo"
# What the demo writes; --reset also empties every table that refers to these.
_DEMO_TABLES = ("accounts", "leads", "activities", "demo_truth", "stage_changes", "campaign_spend")
ACCOUNTS, LEADS, ACTIVITIES, TRUTH, CHANGES, SPEND, USERS = (
    metadata.tables[name] for name in (*_DEMO_TABLES, "users")
)


def _count(connection: Connection, table: Any, *where: Any) -> int:
    return int(
        connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one()
    )


def _demo_users() -> Any:
    return User.email.like(f"%@{VENDOR_DOMAIN}")


def tables_to_empty() -> list[Table]:
    """The demo's tables and every table that depends on them, dependents first."""
    names = set(_DEMO_TABLES)
    changed = True
    while changed:
        changed = False
        for table in metadata.sorted_tables:
            refers = {key.column.table.name for key in table.foreign_keys}
            if table.name not in names and refers & names:
                names.add(table.name)
                changed = True
    return [table for table in reversed(metadata.sorted_tables) if table.name in names]


def _refuse_or_reset(connection: Connection, *, reset: bool) -> None:
    leads = _count(connection, Lead)
    accounts = _count(connection, Account)
    users = _count(connection, User, _demo_users())
    if not (leads or accounts or users):
        return
    if not reset:
        held = [
            f"{count:,} {noun}"
            for count, noun in ((leads, "leads"), (accounts, "accounts"), (users, "demo users"))
            if count
        ]
        raise InvalidInputError(
            f"the store already has {' and '.join(held)}; run leadflow demo --reset to "
            "replace them with a new demo world, or give an empty database with --db"
        )
    foreign = leads - _count(connection, DemoTruth)
    if foreign:
        raise InvalidInputError(
            f"--reset only empties a demo store: {foreign:,} of its {leads:,} leads were not "
            "made by leadflow demo; give an empty database with --db"
        )
    for table in tables_to_empty():
        connection.execute(delete(table))
    connection.execute(delete(User).where(_demo_users()))


def _load_fixed_parts(connection: Connection, world: World) -> list[int]:
    account_ids = insert_returning_ids(connection, ACCOUNTS, world.accounts.rows)
    team = world.team
    manager_ids = insert_returning_ids(connection, USERS, team.managers)
    reps = [
        {**rep, "manager_id": manager_ids[manager]}
        for rep, manager in zip(team.reps, team.rep_managers, strict=True)
    ]
    insert_rows(connection, USERS, reps)
    insert_rows(connection, SPEND, world.spend)
    return account_ids


def _load_chunk(
    connection: Connection, chunk: Sequence[SimulatedLead], account_ids: list[int]
) -> None:
    rows = [
        {**lead.row, "account_id": None if lead.account is None else account_ids[lead.account]}
        for lead in chunk
    ]
    lead_ids = insert_returning_ids(connection, LEADS, rows)
    activities: list[dict[str, Any]] = []
    truths: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    for lead_id, lead in zip(lead_ids, chunk, strict=True):
        activities.extend({**activity, "lead_id": lead_id} for activity in lead.activities)
        truths.append({**lead.truth, "lead_id": lead_id})
        changes.append(
            {
                "lead_id": lead_id,
                "cycle": 1,
                "from_stage": None,
                "to_stage": "lead",
                "changed_at": lead.row["created_at"],
                "actor_type": ActorType.IMPORT.value,
                "actor": DEMO_ACTOR,
                "reason": "demo world",
                "score_snapshot": None,
            }
        )
    insert_rows(connection, ACTIVITIES, activities)
    insert_rows(connection, TRUTH, truths)
    insert_rows(connection, CHANGES, changes)


def load_world(
    engine: Engine,
    spec: WorldSpec,
    *,
    rules: DomainRules | None = None,
    reset: bool = False,
    chunk_leads: int = DEFAULT_CHUNK_LEADS,
    on_progress: Progress | None = None,
) -> WorldSummary:
    """Build the world and write it: companies, team and spend in one transaction, then
    the leads with their activities and truth one chunk per transaction."""
    world = make_world(spec, rules=rules)
    summary = WorldSummary.of(world)
    with engine.begin() as connection:
        _refuse_or_reset(connection, reset=reset)
        account_ids = _load_fixed_parts(connection, world)
    for chunk in iter_chunks(world, chunk_leads=chunk_leads):
        with engine.begin() as connection:
            _load_chunk(connection, chunk, account_ids)
        for lead in chunk:
            summary.add(lead)
        if on_progress is not None:
            on_progress(summary.leads, spec.leads)
    return summary
