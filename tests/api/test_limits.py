"""Every limit of a request is a 413 or a 422 that names the place and the setting, is set
in `[api]`, and writes nothing: body size, batch size, field length, number of properties,
nesting depth, text length."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from leadflow.activities.models import Activity
from leadflow.api.app import create_app
from leadflow.config import load_settings
from leadflow.errors import ConfigError
from leadflow.leads.models import Lead
from leadflow.storage.database import transaction
from leadflow.users import keys
from leadflow.users.models import Role

from .conftest import make_user

LIMITS = {
    "max_body_bytes": 4_096,
    "max_batch_events": 3,
    "max_properties": 5,
    "max_text_length": 1_024,
    "max_nesting_depth": 4,
}
EVENT = {"type": "page_view", "occurred_at": "2026-01-01T00:00:00Z", "email": "x@buyer.test"}


@pytest.fixture
def limited(db_url: str) -> Iterator[tuple[TestClient, dict[str, str], str]]:
    app = create_app(load_settings(database_url=db_url, api=LIMITS))
    with transaction(app.state.engine) as session:
        user = make_user(session, "m@acme.test", Role.MARKETING)
        token = keys.create(session=session, user_id=user)[1]
    with TestClient(app) as client:
        yield client, {"Authorization": f"Bearer {token}"}, token


def _written(app: FastAPI) -> int:
    with app.state.sessions() as session:
        leads = session.scalar(select(func.count()).select_from(Lead)) or 0
        return leads + (session.scalar(select(func.count()).select_from(Activity)) or 0)


def _check(response: Any, status: int, field: str | None, setting: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert setting in body["detail"], body
    if field is not None:
        assert [e["field"] for e in body["errors"]] == [field], body


def test_each_limit_names_its_setting_and_writes_nothing(limited: Any) -> None:
    client, headers, token = limited
    properties = {f"p{i}": i for i in range(6)}
    lead = {"email": "x@buyer.test"}
    deep = {"a": {"b": {"c": {}}}}
    events = "/api/v1/activities"
    cases: list[tuple[str, dict[str, Any], int, str | None, str]] = [
        (events, {**EVENT, "properties": {"x": "y" * 5_000}}, 413, None, "api.max_body_bytes"),
        (f"{events}/batch", {"events": [EVENT] * 4}, 413, "events", "api.max_batch_events"),
        (events, {**EVENT, "properties": properties}, 422, "properties", "api.max_properties"),
        ("/api/v1/leads", {**lead, "attributes": deep}, 422, "attributes.a.b.c", "nesting_depth"),
        (events, {**EVENT, "properties": {"n": "n" * 1_025}}, 422, "properties.n", "text_length"),
        ("/api/v1/leads", {**lead, "phone": "1" * 51}, 422, "phone", "at most 50 characters"),
    ]
    for path, body, status, field, setting in cases:
        _check(client.post(path, json=body, headers=headers), status, field, setting)
    segment = {"Authorization": "Basic " + base64.b64encode(f"{token}:".encode()).decode()}
    track = {"userId": "u", "event": "Signed Up", "properties": properties}
    _check(
        client.post("/v1/track", json=track, headers=segment),
        422,
        "properties",
        "api.max_properties",
    )
    messages = [{"type": "track", "userId": "u", "event": "E"}] * 4
    _check(
        client.post("/v1/batch", json={"batch": messages}, headers=segment),
        413,
        "batch",
        "api.max_batch_events",
    )
    assert _written(client.app) == 0


def test_a_body_just_inside_every_limit_is_taken(limited: Any) -> None:
    client, headers, _ = limited
    event = {
        **EVENT,
        "properties": {"a": {"b": [1, 2]}, "note": "n" * 1_024, "p3": 1, "p4": 2, "p5": 3},
    }
    response = client.post("/api/v1/activities", json=event, headers=headers)
    assert response.status_code == 201, response.text
    batch = client.post("/api/v1/activities/batch", json={"events": [EVENT] * 3}, headers=headers)
    assert batch.status_code == 200, batch.text


def test_the_defaults_are_documented_bounds() -> None:
    api = load_settings().api
    assert (api.max_properties, api.max_text_length, api.max_nesting_depth) == (200, 65_536, 16)
    with pytest.raises(ConfigError, match="max_nesting_depth"):
        load_settings(api={"max_nesting_depth": 1})
