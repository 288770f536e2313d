"""Hostile input a new user might send, class by class: each a 4xx naming the place, nothing
written, never a 500. Times at the calendar's edges; NaN and Infinity in free-form values."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from leadflow.activities.models import Activity
from leadflow.leads.models import Lead

# An offset that pushes each past the calendar's end or before its start, in UTC.
EDGE_TIMES = ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"]
# Python's JSON reader takes these; JSON has no such numbers.
NON_FINITE = ["NaN", "Infinity", "-Infinity", "1e999"]


def _basic(token: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{token}:".encode()).decode()}


def _refused(response: Any, field: str, words: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert [e["field"] for e in body["errors"]] == [field], body
    assert words in body["detail"], body


def _counts(app: FastAPI) -> tuple[int, int]:
    with app.state.sessions() as session:
        leads = session.scalar(select(func.count()).select_from(Lead))
        events = session.scalar(select(func.count()).select_from(Activity))
    return leads, events


@pytest.mark.parametrize("moment", EDGE_TIMES)
def test_times_past_the_calendar_are_refused_naming_the_field(
    client: TestClient, world: Any, moment: str
) -> None:
    admin = world.headers("admin")
    before = _counts(client.app)  # type: ignore[arg-type]
    event = {"type": "page_view", "occurred_at": moment, "email": "edge@buyer.test"}
    outside = "outside the calendar"
    _refused(client.post("/api/v1/activities", json=event, headers=admin), "occurred_at", outside)
    batch = {"events": [{**event, "occurred_at": "2026-01-01T00:00:00Z"}, event]}
    response = client.post("/api/v1/activities/batch", json=batch, headers=admin)
    _refused(response, "events.1.occurred_at", outside)
    lead = {"email": "edge@buyer.test", "created_at": moment}
    _refused(client.post("/api/v1/leads", json=lead, headers=admin), "created_at", outside)
    changes = {"created_at": moment}
    response = client.patch(f"/api/v1/leads/{world.unowned_lead}", json=changes, headers=admin)
    _refused(response, "created_at", outside)
    replay = {"since": moment}
    response = client.post("/api/v1/webhooks/deliveries/replay", json=replay, headers=admin)
    _refused(response, "since", outside)
    segment = _basic(world.tokens["admin"])
    for wire in ["timestamp", "originalTimestamp"]:
        track = {"userId": "u-1", "event": "Signed Up", wire: moment}
        _refused(client.post("/v1/track", json=track, headers=segment), wire, outside)
    track = {"type": "track", "userId": "u-1", "event": "Signed Up"}
    response = client.post("/v1/batch", json={"batch": [track], "sentAt": moment}, headers=segment)
    _refused(response, "sentAt", outside)
    response = client.post(
        "/v1/batch", json={"batch": [{**track, "sentAt": moment}]}, headers=segment
    )
    _refused(response, "batch.0.track.sentAt", outside)
    assert _counts(client.app) == before  # type: ignore[arg-type]


def test_the_last_and_first_instants_of_the_calendar_are_stored(
    client: TestClient, world: Any
) -> None:
    for moment in ["9999-12-31T23:59:59Z", "0001-01-01T05:00:00+05:00"]:
        event = {"type": "page_view", "occurred_at": moment, "email": "edge@buyer.test"}
        response = client.post("/api/v1/activities", json=event, headers=world.headers("admin"))
        assert response.status_code == 201, response.text


@pytest.mark.parametrize("number", NON_FINITE)
def test_non_finite_numbers_are_refused_naming_their_place(
    client: TestClient, world: Any, number: str
) -> None:
    admin = {**world.headers("admin"), "Content-Type": "application/json"}
    before = _counts(client.app)  # type: ignore[arg-type]
    event = (
        '{"type": "page_view", "occurred_at": "2026-01-01T00:00:00Z", "email": "n@buyer.test",'
        f' "properties": {{"plan": "pro", "seats": {number}}}}}'
    )
    response = client.post("/api/v1/activities", content=event, headers=admin)
    _refused(response, "properties.seats", "not a number JSON allows")
    response = client.post(
        "/api/v1/activities/batch", content=f'{{"events": [{event}]}}', headers=admin
    )
    _refused(response, "events.0.properties.seats", "not a number JSON allows")
    lead = f'{{"email": "n@buyer.test", "attributes": {{"deep": {{"list": [1, {number}]}}}}}}'
    response = client.post("/api/v1/leads", content=lead, headers=admin)
    _refused(response, "attributes.deep.list.1", "not a number JSON allows")
    track = f'{{"userId": "u-2", "event": "Signed Up", "properties": {{"revenue": {number}}}}}'
    segment = {**_basic(world.tokens["admin"]), "Content-Type": "application/json"}
    response = client.post("/v1/track", content=track, headers=segment)
    _refused(response, "properties.revenue", "send null for a missing value")
    assert _counts(client.app) == before  # type: ignore[arg-type]


def test_null_is_how_a_missing_value_is_sent(client: TestClient, world: Any) -> None:
    event = {
        "type": "page_view",
        "occurred_at": "2026-01-01T00:00:00Z",
        "email": "null@buyer.test",
        "properties": {"seats": None, "plan": "pro"},
    }
    response = client.post("/api/v1/activities", json=event, headers=world.headers("admin"))
    assert response.status_code == 201, response.text
