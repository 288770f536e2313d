"""Batch scoring equals the definition and real time on every engine, for random worlds.

A world (accounts, leads with built-in and custom attributes, events with properties,
repeats and times on both sides of as_of) goes into the store and out to a Parquet and a CSV
export; `batch_scores` then runs on the store itself (SQLite or PostgreSQL), on DuckDB over a
copy of the store, and on DuckDB over the exports. Every lead's score must equal
`score_lead` and `LeadState` (fed the events in random order) to 1e-9. Examples whose
engagement lies within 1e-9 of a band threshold or a criteria constant are skipped: there the
last rounding decides the band, and either answer is right.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from random import Random
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, insert

from leadflow.accounts.models import Account
from leadflow.activities.models import Activity
from leadflow.leads.models import AttributeDefinition, Lead
from leadflow.scoring import (
    Event,
    LeadScore,
    LeadState,
    Schema,
    ScoringModel,
    parse_model,
    score_lead,
)
from leadflow.scoring import starter_model_text as starter
from leadflow.scoring.batch import batch_scores
from leadflow.scoring.batch_inputs import BatchInputs, duckdb_inputs, store_inputs
from leadflow.scoring.catalog import store_schema
from leadflow.storage.database import create_store_engine, session_factory

AS_OF = datetime(2025, 3, 1, 12, tzinfo=UTC)
CUSTOM = {
    "lead": {"intent": "text", "score_x": "number", "vip": "boolean", "signed_up": "datetime"}
}
CUSTOM |= {"account": {"tier": "text"}, "activity": {"seconds": "number", "first": "boolean"}}
MODEL_TEXT = """
name: batch law
version: b-1
fit_rules:
  - {name: exec, when: "seniority in ['vp', 'c-level']", points: 40}
  - {name: big, when: "account.employees >= 1000", points: 25}
  - {name: tiered, when: "account.tier = 'gold'", points: 7.5}
  - {name: intent, when: "intent contains 'crm' or score_x > 50", points: 12}
  - {name: vip, when: vip, points: 5}
  - {name: free_email, when: is_free_email, points: -15}
  - {name: no_country, when: "country is missing and not vip", points: -3}
engagement_rules:
  - {name: pricing, event: page_view, where: "path startswith '/pricing'", points: 12,
     half_life: 3d, cap: 40}
  - {name: pages, event: page_view, points: 1.5, half_life: 12h, cap: 8}
  - {name: long_reads, event: page_view, where: "seconds >= 30 and first", points: 2.25,
     half_life: 1d}
  - {name: paid, event: form_submit, where: "source in ['google', 'LinkedIn']", points: 6,
     half_life: 7d, cap: 15}
  - {name: demo, event: demo_request, points: 35, half_life: 30d, cap: 50}
  - {name: unsubscribed, event: unsubscribe, points: -25}
disqualify_rules:
  - {name: competitor, when: "email_domain = 'rival.example'"}
  - {name: job_seeker, when: "count(page_view where path startswith '/careers', within=2d) >= 1"}
  - {name: student, when: "title contains 'student'"}
fit_bands: {A: 60, B: 40, C: 15}
engagement_bands: {1: 45, 2: 20, 3: 5}
mql_criteria: >
  grade in ['A1', 'A2', 'B1'] or did(demo_request, within=14d)
  or fit >= 40 and count(page_view where path startswith '/pricing', within=2d) >= 3
  or signed_up is not missing and engagement >= 10 and did(form_submit where plan = 'team')
"""
SCHEMA = Schema.build(
    custom_attributes=CUSTOM["lead"],
    custom_account_attributes=CUSTOM["account"],
    event_properties=CUSTOM["activity"],
)
ENGAGEMENT_EDGES = (45, 20, 5, 10)
KINDS = ["page_view"] * 4 + ["form_submit", "demo_request", "unsubscribe", "email_open"]
PATHS = [None, "/pricing", "/Pricing/teams", "/careers", "/blog", ""]
# Minutes before as_of: on it, on a window's edge (2d, 14d), recent, or long ago; negative
# minutes are after as_of.
MINUTES = st.one_of(
    st.sampled_from([0, 2880, 20160]), st.integers(-1500, 4000), st.integers(0, 40 * 1440)
)
Row = dict[str, Any]


def maybe(values: list[Any]) -> st.SearchStrategy[Any]:
    """One of `values`, or None."""
    return st.none() | st.sampled_from(values)


@st.composite
def worlds(draw: st.DrawFn) -> dict[str, list[Row]]:
    """Accounts, leads and events as store rows (events on both sides of as_of)."""
    accounts = [
        {
            "id": i + 1,
            "employees": draw(maybe([10, 1000, 50000])),
            "attributes": {"tier": draw(maybe(["gold", "GOLD", "silver", ""]))},
        }
        for i in range(draw(st.integers(0, 3)))
    ]
    leads = []
    for i in range(draw(st.integers(1, 5))):
        custom = {
            "intent": draw(maybe(["CRM software", "hr", ""])),
            "score_x": draw(maybe([12, 50, 50.5, 99])),
            "vip": draw(maybe([True, False])),
            "signed_up": draw(maybe(["2024-05-01T00:00:00+00:00"])),
        }
        leads.append(
            {
                "id": i + 1,
                "email": f"p{i}@x{i}.example",
                "email_domain": draw(st.sampled_from(["acme.example"] * 4 + ["rival.example"])),
                "seniority": draw(maybe(["VP", "c-level", "manager"])),
                "title": draw(maybe(["PhD Student", "Head of Ops"])),
                "country": draw(maybe(["US", "DE"])),
                "is_free_email": draw(st.booleans()),
                "account_id": draw(st.none() | st.integers(1, len(accounts))) if accounts else None,
                "attributes": {k: v for k, v in custom.items() if draw(st.booleans()) or v},
            }
        )
    events = []
    for i in range(draw(st.integers(0, 25))):
        minutes, micros = draw(MINUTES), draw(st.sampled_from([0, 0, 1, 999_999]))
        properties = {
            "path": draw(st.sampled_from(PATHS)),
            "seconds": draw(maybe([5, 30, 45.5])),
            "first": draw(maybe([True, False])),
            "plan": draw(maybe(["team", "Team", "solo"])),
        }
        events.append(
            {
                "event_id": f"{i:05d}",
                "lead_id": draw(st.none() | st.integers(1, len(leads))),
                "type": draw(st.sampled_from(KINDS)),
                "occurred_at": AS_OF - timedelta(minutes=minutes, microseconds=micros),
                "properties": {k: v for k, v in properties.items() if v is not None},
                "source": draw(maybe(["google", "linkedin", "bing"])),
            }
        )
    return {"accounts": accounts, "leads": leads, "events": events}


def attributes_of(world: dict[str, list[Row]], lead: Row) -> dict[str, Any]:
    """The lead's flat attributes, as `score_lead` takes them."""
    account = next((a for a in world["accounts"] if a["id"] == lead["account_id"]), None)
    values = {k: v for k, v in lead.items() if k not in ("attributes", "account_id", "id")}
    values |= lead["attributes"]
    if account is not None:
        values |= {f"account.{k}": v for k, v in account["attributes"].items()}
        values["account.employees"] = account["employees"]
    return values


def events_of(world: dict[str, list[Row]], lead_id: int) -> list[Event]:
    """The lead's events, each carrying its JSON properties and its attribution column."""
    return [
        Event(e["event_id"], e["type"], e["occurred_at"], e["properties"] | {"source": e["source"]})
        for e in world["events"]
        if e["lead_id"] == lead_id
    ]


def store(engine: Engine, world: dict[str, list[Row]]) -> None:
    """Replace the store's leads, accounts, activities and attribute definitions by `world`."""
    with engine.begin() as connection:
        for table in (Activity, Lead, Account, AttributeDefinition):
            connection.execute(delete(table))
        definitions = [
            {"id": i, "entity": entity, "name": name, "type": kind}
            for i, (entity, name, kind) in enumerate(
                (e, n, k) for e, names in CUSTOM.items() for n, k in names.items()
            )
        ]
        connection.execute(insert(AttributeDefinition), definitions)
        if world["accounts"]:
            connection.execute(insert(Account), world["accounts"])
        connection.execute(insert(Lead), world["leads"])
        if world["events"]:
            connection.execute(insert(Activity), world["events"])


def export(world: dict[str, list[Row]], folder: Path, random: Random) -> list[Path]:
    """The events as a Parquet export (by lead_id) and a CSV one (by e-mail, local times).

    Path and source are columns of their own, the rest a JSON `properties` column; some
    events are in both files, as overlapping exports have them.
    """
    emails = {lead["id"]: lead["email"] for lead in world["leads"]}
    parquet_rows, csv_rows = [], []
    for event in world["events"]:
        row = {
            "event_id": event["event_id"],
            "type": event["type"],
            "path": event["properties"].get("path"),
            "source": event["source"],
            "properties": json.dumps({k: v for k, v in event["properties"].items() if k != "path"}),
        }
        # CSV cannot tell an empty text from a missing one: those go to Parquet.
        choice = "parquet" if row["path"] == "" else random.choice(["parquet", "csv", "both"])
        if choice != "csv":
            parquet_rows.append(
                row | {"lead_id": event["lead_id"], "occurred_at": event["occurred_at"]}
            )
        if choice != "parquet":
            local = event["occurred_at"].astimezone(timezone(timedelta(hours=-5)))
            lead = event["lead_id"]
            email = f"  {emails[lead].upper()} " if lead else "someone@nowhere.example"
            csv_rows.append(row | {"email": email, "occurred_at": local.isoformat()})
    types = {"lead_id": pa.int64(), "occurred_at": pa.timestamp("us", tz="UTC")}
    columns = ["event_id", "lead_id", "type", "occurred_at", "path", "source", "properties"]
    schema = pa.schema([(c, types.get(c, pa.string())) for c in columns])
    pq.write_table(pa.Table.from_pylist(parquet_rows, schema=schema), folder / "a.parquet")
    with (folder / "b.csv").open("w", newline="") as out:
        columns = ["email", "event_id", "type", "occurred_at", "path", "source", "properties"]
        writer = csv.DictWriter(out, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(csv_rows)
    return [folder / "a.parquet", folder / "b.csv"]


def every_engine(engine: Engine, files: list[Path]) -> Iterator[tuple[str, BatchInputs]]:
    """The store itself, DuckDB over a copy of it, and DuckDB over the activity exports."""
    name = engine.url.get_backend_name()
    yield name, store_inputs(engine)
    yield f"duckdb from {name}", duckdb_inputs(engine, threads=2)
    yield "duckdb from files", duckdb_inputs(engine, activity_files=files, threads=2)


def assert_same(expected: LeadScore, got: LeadScore, where: str) -> None:
    """Equal scores: numbers to 1e-9 of their magnitude, everything else exactly."""
    assert got.fit == expected.fit, where
    parts = dict(expected.explanation)
    scale = max(1.0, math.fsum(abs(p) for p in parts.values()))
    assert abs(got.engagement - expected.engagement) <= 1e-9 * scale, where
    assert dict(got.explanation).keys() == parts.keys(), where
    for rule, points in got.explanation:
        assert math.isclose(points, parts[rule], rel_tol=1e-9), (where, rule)
    labels = ("grade", "fit_band", "engagement_band", "disqualified_by", "is_mql", "model_version")
    assert [getattr(got, a) for a in labels] == [getattr(expected, a) for a in labels], where


def reference(model: ScoringModel, world: dict[str, list[Row]]) -> dict[int, LeadScore]:
    """Each lead's score by the definition, checked against real time fed in random order."""
    random = Random(len(world["events"]))
    expected = {}
    for lead in world["leads"]:
        attributes, history = attributes_of(world, lead), events_of(world, lead["id"])
        expected[lead["id"]] = score_lead(model, attributes, history, at=AS_OF)
        # Events in random order, time moving forward now and then in between.
        ticks = iter(sorted(AS_OF - timedelta(hours=random.randint(0, 72)) for _ in history))
        state = LeadState.empty(model)
        for event in random.sample(history, len(history)):
            state = state.absorb(event)
            if random.random() < 0.3:
                state = state.advance(next(ticks))
        assert_same(expected[lead["id"]], state.score(attributes, at=AS_OF), "real time")
    return expected


def near_an_edge(score: LeadScore) -> bool:
    """Whether engagement is within 1e-9 (of its terms) of a threshold the model tests."""
    scale = max(1.0, math.fsum(abs(p) for _, p in score.explanation))
    return any(abs(score.engagement - edge) <= 1e-9 * scale for edge in ENGAGEMENT_EDGES)


def check_engines(
    model: ScoringModel, world: dict[str, list[Row]], url: str, folder: Path
) -> dict[int, LeadScore]:
    """Every engine scores every lead of `world` as the definition does; its scores."""
    expected = reference(model, world)
    engine = create_store_engine(url)
    try:
        store(engine, world)
        with session_factory(engine)() as session:
            schema = store_schema(session=session)
        files = export(world, folder, Random(len(world["leads"])))
        for name, inputs in every_engine(engine, files):
            got = dict(batch_scores(model, schema, inputs, as_of=AS_OF, batch_rows=2))
            assert got.keys() == expected.keys(), name
            for lead_id, score in expected.items():
                assert_same(score, got[lead_id], f"{name}, lead {lead_id}")
    finally:
        engine.dispose()
    return expected


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(world=worlds())
def test_batch_equals_the_definition_and_real_time(
    world: dict[str, list[Row]], db_url: str, tmp_path: Path
) -> None:
    model = parse_model(MODEL_TEXT, file="law.yaml", schema=SCHEMA)
    assume(not any(near_an_edge(score) for score in reference(model, world).values()))
    check_engines(model, world, db_url, tmp_path)


def test_the_starter_model_scores_a_hand_made_world_alike_on_every_engine(
    db_url: str, tmp_path: Path
) -> None:
    def lead(i: int, account: int | None, **fields: Any) -> Row:
        known = {"seniority": None, "title": None, "country": None, "department": None}
        known["is_free_email"] = False
        domain = fields.pop("email_domain", "acme.example")
        email = f"lead{i}@{domain}"
        row = {"id": i, "email": email, "email_domain": domain, "account_id": account}
        return row | known | fields | {"attributes": {}}

    def event(i: int, lead_id: int | None, kind: str, days: float, **properties: Any) -> Row:
        at = AS_OF - timedelta(days=days)
        row = {"event_id": f"s{i}", "lead_id": lead_id, "type": kind, "occurred_at": at}
        return row | {"properties": properties, "source": properties.pop("source", None)}

    world = {
        "accounts": [
            {"id": 1, "employees": 800, "attributes": {}},
            {"id": 2, "employees": 12, "attributes": {}},
        ],
        "leads": [
            lead(1, 1, seniority="VP", country="us", department="Marketing"),
            lead(2, 2, title="Director of IT", country="DE"),
            lead(3, None, title="MBA Student", email_domain="uni.edu"),
            lead(4, 1, seniority="manager", is_free_email=True),
            lead(5, None),
        ],
        "events": [
            *(event(i, 1, "page_view", i / 3, path="/pricing") for i in range(4)),
            event(10, 1, "demo_request", 3, source="google"),
            event(11, 2, "content_download", 40),
            *(event(12 + i, 2, "content_download", i) for i in range(5)),
            event(20, 2, "webinar_attended", 30),
            event(21, 4, "form_submit", 1, form="Job_Application"),
            event(22, 4, "unsubscribe", 400),
            event(23, 4, "email_bounce", 0),
            event(24, 5, "page_view", 2, path="/careers/jobs"),
            event(25, 5, "contact_request", -1),
            event(26, None, "demo_request", 0),
        ],
    }
    scores = check_engines(parse_model(starter(), file="starter.yaml"), world, db_url, tmp_path)
    outcomes = {i: (s.grade, s.disqualified_by, s.is_mql) for i, s in scores.items()}
    assert outcomes == {
        1: ("A1", None, True),
        2: ("D2", None, False),
        3: ("D4", "student", False),
        4: ("C4", "job_seeker", False),
        5: ("D4", None, False),
    }
