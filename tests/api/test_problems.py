"""Errors are problem bodies naming the field and the reason; limits hold; no bare 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from leadflow.api.app import create_app
from leadflow.config import load_settings
from leadflow.users import service


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status and problem["title"] and problem["detail"]
    return problem


def _fields(problem: dict[str, Any]) -> dict[str, str]:
    return {error["field"]: error["reason"] for error in problem["errors"]}


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "field", "reason"),
    [
        ("GET", "/api/v1/leads", {"params": {"limit": 0}}, "limit", "greater than or equal"),
        ("GET", "/api/v1/leads", {"params": {"stag": "mql"}}, "stag", "Extra inputs"),
        ("GET", "/api/v1/leads", {"params": {"sort": "password"}}, "sort", "'id'"),
        ("GET", "/api/v1/leads", {"params": {"stage": "a\x00b"}}, "stage", "pattern"),
        ("GET", "/api/v1/leads", {"params": {"cursor": "!!"}}, "cursor", "not a cursor"),
        ("GET", "/api/v1/leads/abc", {}, "lead_id", "valid integer"),
        ("GET", f"/api/v1/leads/{2**70}", {}, "lead_id", "less than or equal"),
        ("GET", "/api/v1/leads/999999", {}, "lead_id", "no lead with id 999999"),
        ("POST", "/api/v1/users", {"json": {"name": "N"}}, "email", "Field required"),
        (
            "POST",
            "/api/v1/users",
            {"json": {"email": "x@y.test", "name": "N", "territory": {"region": [1]}}},
            "territory.region.0",
            "valid string",
        ),
        (
            "POST",
            "/api/v1/users",
            {"json": {"email": "x@y.test", "name": "N", "password": "x"}},
            "password",
            "Extra inputs are not permitted",
        ),
        (
            "POST",
            "/api/v1/users",
            {"json": {"email": "x@y.test", "name": "N", "time_zone": "Mars/Base"}},
            "time_zone",
            "unknown time zone 'Mars/Base'",
        ),
        ("POST", "/api/v1/users", {"json": {"email": "nope", "name": "N"}}, "email", "e-mail"),
        (
            "POST",
            "/api/v1/users",
            {"content": b'{"email": ', "headers": {"content-type": "application/json"}},
            "body",
            "JSON",
        ),
        ("PATCH", "/api/v1/users/1", {"json": {"name": None}}, "name", "cannot be null"),
        ("POST", "/api/v1/keys", {"json": {"user_id": 999999}}, "user_id", "no user with id"),
        ("POST", "/api/v1/keys/lf_zzzzzzzz/revoke", {}, "", "no API key"),
        ("POST", "/api/v1/keys/nope/revoke", {}, "prefix", "pattern"),
    ],
)
def test_bad_requests_name_the_field_and_reason(
    client: TestClient,
    world: Any,
    method: str,
    path: str,
    kwargs: dict[str, Any],
    field: str,
    reason: str,
) -> None:
    kwargs = dict(kwargs)  # parameters are shared by both databases' runs: leave them be
    headers = {**world.headers("admin"), **kwargs.pop("headers", {})}
    response = client.request(method, path, headers=headers, **kwargs)
    status = 404 if "no lead" in reason or "no API key" in reason else 422
    problem = _problem(response, status)
    if field:
        assert reason in _fields(problem)[field]
    else:
        assert reason in problem["detail"]


def test_conflicts_are_409_naming_the_field(client: TestClient, world: Any) -> None:
    admin = world.headers("admin")
    taken = client.post(
        "/api/v1/users", json={"email": "ADMIN@acme.test", "name": "X"}, headers=admin
    )
    assert "exists" in _fields(_problem(taken, 409))["email"]
    last = client.post(f"/api/v1/users/{world.user_ids['admin']}/deactivate", headers=admin)
    assert "last active admin" in _fields(_problem(last, 409))["active"]
    demote = client.patch(
        f"/api/v1/users/{world.user_ids['admin']}", json={"role": "sales"}, headers=admin
    )
    assert "last active admin" in _fields(_problem(demote, 409))["role"]


def test_a_lost_race_on_a_unique_value_is_409(
    client: TestClient, world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if another request inserted the same e-mail between the check and the insert.
    monkeypatch.setattr(service, "get_by_email", lambda **_: None)
    response = client.post(
        "/api/v1/users",
        json={"email": "admin@acme.test", "name": "X"},
        headers=world.headers("admin"),
    )
    _problem(response, 409)


def test_unknown_routes_and_methods_are_problems(client: TestClient, world: Any) -> None:
    _problem(client.get("/api/v1/nothing", headers=world.headers("admin")), 404)
    response = client.delete("/api/v1/me", headers=world.headers("admin"))
    _problem(response, 405)
    assert response.headers["allow"] == "GET"


@pytest.fixture
def small_body_client(db_url: str) -> Iterator[TestClient]:
    app = create_app(load_settings(database_url=db_url, api={"max_body_bytes": 2048}))
    with TestClient(app) as client:
        yield client


def test_bodies_over_the_limit_are_413(small_body_client: TestClient, world: Any) -> None:
    client = small_body_client
    admin = {**world.headers("admin"), "content-type": "application/json"}
    fits = b'{"email": "fits@acme.test", "name": "' + b"x" * 150 + b'"}'
    assert client.post("/api/v1/users", content=fits, headers=admin).status_code == 201
    declared = client.post("/api/v1/users", content=b"{" + b" " * 4096 + b"}", headers=admin)
    assert "2048 bytes" in _problem(declared, 413)["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"email": "big@acme.test", "name": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}'

    streamed = client.post("/api/v1/users", content=chunks(), headers=admin)
    _problem(streamed, 413)
    emails = [user["email"] for user in client.get("/api/v1/users", headers=admin).json()]
    assert "big@acme.test" not in emails


def test_database_down_is_503_with_retry_after(app: FastAPI, world: Any) -> None:
    unreachable = create_engine("sqlite:////no/such/folder/leadflow.db")
    app.state.sessions = sessionmaker(unreachable)
    with TestClient(app) as client:
        response = client.get("/api/v1/me", headers=world.headers("admin"))
        assert "database" in _problem(response, 503)["detail"]
        assert response.headers["retry-after"] == "1"
        _problem(client.get("/healthz"), 503)


def test_a_bug_is_a_logged_500_problem_not_a_bare_error(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("internal detail 42")

    with TestClient(app, raise_server_exceptions=False) as client:
        problem = _problem(client.get("/api/v1/boom"), 500)
    incident = problem["detail"].split()[2].rstrip(":")
    assert any(incident in record.getMessage() for record in caplog.records)
    assert "internal detail" not in problem["detail"]
