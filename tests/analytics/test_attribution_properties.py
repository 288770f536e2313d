"""Attribution laws on random worlds, on SQLite, PostgreSQL and DuckDB.

Random leads (with and without a source), touches on a coarse grid of days (so timestamps tie
often, some a microsecond apart), recycled leads with several opportunities. For every model
and value: each outcome's credit sums to its value, and each outcome's credit per channel
equals a plain-Python reading of the definition (written here, independently of the
expression) on the store and on DuckDB alike.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, insert

from leadflow.activities.models import Activity
from leadflow.analytics.attribution import AttributionQuery, AttributionRequest
from leadflow.analytics.tables import duckdb_tables, store_tables
from leadflow.leads.models import Lead
from leadflow.lifecycle.models import Opportunity

T0 = datetime(2025, 1, 1, tzinfo=UTC)
MODELS = ("first_touch", "last_touch", "linear", "u_shaped", "w_shaped", "time_decay")
VALUES = ("opportunity_amount", "won_revenue")
SHARES = {"u_shaped": (0.4, 0.4, 0.0, 0.2), "w_shaped": (0.3, 0.3, 0.3, 0.1)}
REL, ABS = 1e-9, 1e-6

instants = st.builds(
    lambda d, us: T0 + timedelta(days=d, microseconds=us),
    st.integers(0, 40),
    st.sampled_from([0, 0, 1, 999_999]),
)
labels = st.sampled_from(["a", "b", "c", None])


@st.composite
def worlds(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    """Leads, their activities (touches or not) and opportunities, with ids from 1."""
    leads, activities, opportunities = [], [], []
    for lead_id in range(1, draw(st.integers(1, 5)) + 1):
        created = draw(instants)
        leads.append(
            {
                "id": lead_id,
                "email": f"l{lead_id}@example.com",
                "source": draw(labels),
                "medium": draw(labels),
                "campaign": draw(labels),
                "created_at": created,
                "stage_changed_at": created,
                "updated_at": created,
                "attributes": {},
            }
        )
        for _ in range(draw(st.integers(0, 6))):
            at, source = draw(instants), draw(labels)
            activities.append(
                {
                    "id": len(activities) + 1,
                    "event_id": f"e{len(activities) + 1}",
                    "lead_id": lead_id,
                    "type": "page_view",
                    "occurred_at": at,
                    "received_at": at,
                    "properties": {},
                    "source": source,
                    "medium": draw(labels) if source else None,
                    "campaign": draw(labels) if source else None,
                }
            )
        for cycle in range(1, draw(st.integers(0, 2)) + 1):
            opened, status = draw(instants), draw(st.sampled_from(["open", "won", "lost"]))
            closed = None if status == "open" else opened + timedelta(days=draw(st.integers(0, 9)))
            opportunities.append(
                {
                    "id": len(opportunities) + 1,
                    "lead_id": lead_id,
                    "cycle": cycle,
                    "amount": draw(st.integers(0, 10**8)) / 100,
                    "status": status,
                    "opened_at": opened,
                    "closed_at": closed,
                }
            )
    return {"leads": leads, "activities": activities, "opportunities": opportunities}


def reference(world: dict, model: str, value: str, by: str) -> dict[tuple[int, str], float]:
    """Credit per (opportunity id, channel), straight from the definition."""
    credit: dict[tuple[int, str], float] = defaultdict(float)
    for opp in world["opportunities"]:
        if value == "won_revenue" and (opp["status"] != "won" or opp["closed_at"] is None):
            continue
        at = opp["closed_at"] if value == "won_revenue" else opp["opened_at"]
        lead = next(lead for lead in world["leads"] if lead["id"] == opp["lead_id"])
        recorded = [
            (a["occurred_at"], a["id"], a[by])
            for a in world["activities"]
            if a["lead_id"] == lead["id"] and a["source"] is not None
        ]
        if lead["source"] is not None and all(t > lead["created_at"] for t, _, _ in recorded):
            recorded.append((lead["created_at"], 0, lead[by]))
        touches = sorted(touch for touch in recorded if touch[0] <= at)
        if not touches:
            credit[(opp["id"], "(none)")] += opp["amount"]
            continue
        weights = _weights(model, touches, at, lead["created_at"], opp["opened_at"])
        for (_, _, channel), weight in zip(touches, weights, strict=True):
            if weight > 0:
                share = opp["amount"] * weight / math.fsum(weights)
                credit[(opp["id"], channel or "(none)")] += share
    return dict(credit)


def _weights(model: str, touches: list, at: datetime, created: datetime, opened: datetime):
    n = len(touches)
    if model == "first_touch":
        return [1.0] + [0.0] * (n - 1)
    if model == "last_touch":
        return [0.0] * (n - 1) + [1.0]
    if model == "linear":
        return [1.0] * n
    if model == "time_decay":
        return [2 ** (-(at - t).total_seconds() / 86400 / 7) for t, _, _ in touches]
    creation = max([i for i, (t, _, _) in enumerate(touches) if t <= created], default=0)
    opening = max([i for i, (t, _, _) in enumerate(touches) if t <= opened], default=0)
    first_share, creation_share, opening_share, rest_share = SHARES[model]
    weights = [0.0] * n
    weights[0] += first_share
    weights[creation] += creation_share
    weights[opening] += opening_share
    anchors = {0, creation} | ({opening} if opening_share else set())
    rest = [i for i in range(n) if i not in anchors]
    for i in rest:
        weights[i] += rest_share / len(rest)
    return weights


def _load(engine: Engine, world: dict) -> None:
    with engine.begin() as connection:
        for model in (Opportunity, Activity, Lead):
            connection.execute(delete(model))
        for model, rows in (
            (Lead, "leads"),
            (Activity, "activities"),
            (Opportunity, "opportunities"),
        ):
            if world[rows]:
                connection.execute(insert(model), world[rows])


def _by_outcome(rows: list[dict]) -> dict[tuple[int, str], float]:
    return {(row["outcome_id"], row["channel"]): row["credit"] for row in rows}


def _close(found: dict, expected: dict) -> None:
    assert found.keys() == expected.keys()
    for key, amount in expected.items():
        assert found[key] == pytest.approx(amount, rel=REL, abs=ABS), key


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    world=worlds(),
    model=st.sampled_from(MODELS),
    by=st.sampled_from(["source", "medium", "campaign"]),
)
def test_credit_sums_to_each_value_as_defined_on_every_engine(
    engine: Engine, world: dict, model: str, by: str
) -> None:
    _load(engine, world)
    amounts = {o["id"]: o["amount"] for o in world["opportunities"]}
    engines = {"store": store_tables(engine), "duckdb": duckdb_tables(engine)}
    for value in VALUES:
        query = AttributionQuery(AttributionRequest(model=model, value=value, by=by))
        expected = reference(world, model, value, by)
        for tables in engines.values():
            found = _by_outcome(query.outcome_credits(tables).to_pyarrow().to_pylist())
            # Same credits everywhere (each engine against the definition, so each other).
            _close(found, expected)
            summed: dict[int, float] = defaultdict(float)
            for (outcome, _), amount in found.items():
                summed[outcome] += amount
            for outcome, amount in summed.items():
                assert amount == pytest.approx(amounts[outcome], rel=REL, abs=ABS)
