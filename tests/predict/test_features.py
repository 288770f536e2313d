"""Point-in-time features: the Ibis expression and the plain-Python twin agree exactly,
on the store itself and on DuckDB, and nothing after the prediction time reaches a row.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, insert

from leadflow.accounts.models import Account
from leadflow.activities.models import Activity
from leadflow.leads.models import AttributeDefinition, Lead
from leadflow.predict.features import feature_frame, feature_table, points_at
from leadflow.predict.online import features_frame
from leadflow.predict.spec import feature_spec
from leadflow.scoring import Event, Schema
from leadflow.scoring.batch_inputs import duckdb_inputs, store_inputs
from leadflow.scoring.catalog import store_schema
from leadflow.storage.database import session_factory

AT = datetime(2025, 6, 1, 12, tzinfo=UTC)
CUSTOM = {"budget": "number", "intent": "text", "vip": "boolean"}
KINDS = ["page_view", "page_view", "demo_request", "email_open", "webinar_attended"]
# Fewer event types than the store knows keep the expression small and the test fast.
TYPES = ("demo_request", "email_open", "page_view")
# Minutes before AT: on a window's edge (7d, 30d, 90d), recent, long ago, or after AT.
MINUTES = st.one_of(
    st.sampled_from([0, 7 * 1440, 30 * 1440, 90 * 1440]),
    st.integers(-3000, 3000),
    st.integers(0, 200 * 1440),
)


def maybe(values: list[Any]) -> st.SearchStrategy[Any]:
    """One of `values`, or None."""
    return st.none() | st.sampled_from(values)


@st.composite
def worlds(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    """An account, leads with built-in and custom attributes, events on both sides of AT."""
    accounts = [{"id": 1, "employees": draw(maybe([12, 5000])), "industry": draw(maybe(["SaaS"]))}]
    leads = []
    for i in range(draw(st.integers(1, 4))):
        custom = {
            "budget": draw(maybe([0, 12.5, 90000])),
            "intent": draw(maybe(["crm", "hr"])),
            "vip": draw(maybe([True, False])),
        }
        leads.append(
            {
                "id": i + 1,
                "email": f"p{i}@x.example",
                "seniority": draw(maybe(["vp", "manager"])),
                "source": draw(maybe(["webinar", "paid_search"])),
                "is_free_email": draw(st.booleans()),
                "is_disposable_email": False,
                "account_id": draw(st.sampled_from([None, 1])),
                "created_at": AT - timedelta(minutes=draw(st.integers(-600, 300 * 1440))),
                "attributes": {k: v for k, v in custom.items() if v is not None},
            }
        )
    events = []
    for i in range(draw(st.integers(0, 20))):
        minutes, micros = draw(MINUTES), draw(st.sampled_from([0, 1, 999_999]))
        events.append(
            {
                "event_id": f"e{i:04d}",
                "lead_id": draw(st.integers(1, len(leads))),
                "type": draw(st.sampled_from(KINDS)),
                "occurred_at": AT - timedelta(minutes=minutes, microseconds=micros),
                "properties": {},
                "source": draw(maybe(["google"])),
            }
        )
    return {"accounts": accounts, "leads": leads, "events": events}


def store(engine: Engine, world: dict[str, list[dict[str, Any]]]) -> None:
    """Replace the store's contents by `world`."""
    with engine.begin() as connection:
        for table in (Activity, Lead, Account, AttributeDefinition):
            connection.execute(delete(table))
        connection.execute(
            insert(AttributeDefinition),
            [
                {"id": i, "entity": "lead", "name": name, "type": kind}
                for i, (name, kind) in enumerate(CUSTOM.items())
            ],
        )
        connection.execute(insert(Account), world["accounts"])
        for lead in world["leads"]:
            connection.execute(insert(Lead), [lead])
        if world["events"]:
            connection.execute(insert(Activity), world["events"])


def twin(world: dict[str, list[dict[str, Any]]], spec: Any, at: datetime) -> pd.DataFrame:
    """The plain-Python features of every lead of `world` at `at`."""
    account = world["accounts"][0]
    leads = []
    for lead in world["leads"]:
        attributes = {k: v for k, v in lead.items() if k != "attributes"} | lead["attributes"]
        if lead["account_id"] == 1:
            attributes |= {"account.employees": account["employees"]}
            attributes |= {"account.industry": account["industry"]}
        events = [
            Event(e["event_id"], e["type"], e["occurred_at"], {"source": e["source"]})
            for e in world["events"]
            if e["lead_id"] == lead["id"]
        ]
        leads.append((lead["id"], attributes, events, at))
    return features_frame(spec, leads)


def assert_frames_equal(got: pd.DataFrame, expected: pd.DataFrame, where: str) -> None:
    """Same columns, same values exactly (NaN equals NaN, None equals None)."""
    assert list(got.columns) == list(expected.columns), where
    for column in expected.columns:
        for a, b in zip(got[column], expected[column], strict=True):
            same = a == b or (
                isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)
            )
            assert same, (where, column, a, b)


@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(world=worlds())
def test_ibis_features_equal_the_python_twin_on_every_engine(
    engine: Engine, world: dict[str, list[dict[str, Any]]]
) -> None:
    store(engine, world)
    with session_factory(engine)() as session:
        schema = store_schema(session=session)
    spec = replace(feature_spec(schema), event_types=TYPES)
    expected = twin(world, spec, AT)
    for name, inputs in (("store", store_inputs(engine)), ("duckdb", duckdb_inputs(engine))):
        table = feature_table(spec, schema, inputs, points_at(inputs, AT))
        assert_frames_equal(feature_frame(table, spec), expected, name)


@settings(max_examples=15, deadline=None)
@given(
    world=worlds(), later=st.lists(st.tuples(st.integers(1, 4), st.integers(1, 5000)), max_size=8)
)
def test_events_after_the_prediction_time_change_no_feature(
    world: dict[str, list[dict[str, Any]]], later: list[tuple[int, int]]
) -> None:
    spec = replace(feature_spec(Schema.build(custom_attributes=CUSTOM)), event_types=TYPES)
    before = twin(world, spec, AT)
    count = len(world["leads"])
    extra = [
        {
            "event_id": f"late{i}",
            "lead_id": (lead - 1) % count + 1,
            "type": KINDS[i % len(KINDS)],
            "occurred_at": AT + timedelta(minutes=minutes),
            "properties": {},
            "source": "google",
        }
        for i, (lead, minutes) in enumerate(later)
    ]
    after = twin({**world, "events": world["events"] + extra}, spec, AT)
    assert_frames_equal(after, before, "late events")


def test_identity_fields_and_configured_exclusions_are_never_features() -> None:
    schema = Schema.build(custom_attributes=CUSTOM)
    spec = feature_spec(schema, exclude=["budget", "account.employees"])
    assert "budget" not in spec.columns and "account.employees" not in spec.columns
    assert "intent" in spec.categorical and "vip" in spec.boolean
    for never in ("email", "stage", "title", "company", "first_name"):
        assert never not in spec.columns
