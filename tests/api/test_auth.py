"""Keys: 401 without a valid one, both header styles, revocation, and hashed at rest."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import String, Text, select

from leadflow.storage.registry import metadata
from leadflow.users.models import ApiKey


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "no API key"),
        ({"Authorization": "Bearer "}, "no API key"),
        ({"Authorization": "Basic !!!"}, "no API key"),
        # Basic auth carries a Segment write key as its user name: here a wrong one.
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "not valid"),
        ({"Authorization": "Bearer lf_nope"}, "not valid"),
        ({"X-API-Key": "lf_abcdefgh_" + "A" * 43}, "not valid"),
    ],
)
def test_no_valid_key_is_401_with_a_challenge(
    client: TestClient, world: Any, headers: dict[str, str], reason: str
) -> None:
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith('Bearer realm="leadflow"')
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert reason in problem["detail"]
    assert problem["errors"][0]["field"] == "authorization"


def test_a_key_with_a_wrong_secret_is_401(client: TestClient, world: Any) -> None:
    token = world.tokens["admin"]
    wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get("/api/v1/me", headers={"X-API-Key": wrong}).status_code == 401


def test_both_header_styles_act_as_the_keys_user(client: TestClient, world: Any) -> None:
    token = world.tokens["marketing"]
    for headers in ({"Authorization": f"Bearer {token}"}, {"X-API-Key": token}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 200, response.text
        me = response.json()
        assert (me["user"]["email"], me["user"]["role"]) == ("marketing@acme.test", "marketing")
        assert token.startswith(me["key"]["prefix"] + "_")
        assert me["key"]["last_used_at"] is not None


def test_a_revoked_key_stops_at_once(client: TestClient, world: Any) -> None:
    created = client.post(
        "/api/v1/keys",
        json={"user_id": world.user_ids["sales"], "name": "laptop"},
        headers=world.headers("admin"),
    )
    assert created.status_code == 201, created.text
    token, prefix = created.json()["key"], created.json()["prefix"]
    assert client.get("/api/v1/me", headers={"X-API-Key": token}).status_code == 200
    revoked = client.post(f"/api/v1/keys/{prefix}/revoke", headers=world.headers("admin"))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert client.get("/api/v1/me", headers={"X-API-Key": token}).status_code == 401
    again = client.post(f"/api/v1/keys/{prefix}/revoke", headers=world.headers("admin"))
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]


def test_a_deactivated_users_keys_stop(client: TestClient, world: Any) -> None:
    user_id = world.user_ids["sales"]
    response = client.post(f"/api/v1/users/{user_id}/deactivate", headers=world.headers("admin"))
    assert response.status_code == 200 and response.json()["active"] is False
    assert client.get("/api/v1/me", headers=world.headers("sales")).status_code == 401
    keys = client.get("/api/v1/keys", params={"user_id": user_id}, headers=world.headers("admin"))
    assert all(key["revoked_at"] for key in keys.json())


def test_keys_are_hashed_at_rest(client: TestClient, world: Any) -> None:
    created = client.post(
        "/api/v1/keys", json={"user_id": world.user_ids["admin"]}, headers=world.headers("admin")
    )
    token = created.json()["key"]
    listed = client.get("/api/v1/keys", headers=world.headers("admin")).text
    assert token not in listed and token.split("_", 2)[2] not in listed
    secrets = [t.split("_", 2)[2] for t in [*world.tokens.values(), token]]
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        stored = [
            str(value)
            for table in metadata.sorted_tables
            for column in table.columns
            if isinstance(column.type, String | Text)
            for value in session.scalars(select(column)).all()
            if value is not None
        ]
        hashes = session.scalars(select(ApiKey.secret_hash)).all()
    assert not [value for value in stored if any(secret in value for secret in secrets)]
    assert all(len(digest) == 64 for digest in hashes)


def test_healthz_needs_no_key(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
