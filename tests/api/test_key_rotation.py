"""Rotating a key without downtime: a second key for the same user works beside the first,
last use is recorded (at most once a minute) and shown by the API and `leadflow keys list`,
and revoking the old key stops it on the very next request while the new one goes on."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from leadflow.cli.app import app as cli

runner = CliRunner()


def _keys(client: TestClient, world: Any) -> dict[str, dict[str, Any]]:
    listed = client.get(
        "/api/v1/keys", params={"user_id": world.user_ids["sales"]}, headers=world.headers("admin")
    )
    assert listed.status_code == 200, listed.text
    return {key["prefix"]: key for key in listed.json()}


def test_rotation_keeps_the_user_served_and_revocation_is_immediate(
    client: TestClient, world: Any, db_url: str
) -> None:
    old = world.tokens["sales"]
    created = client.post(
        "/api/v1/keys",
        json={"user_id": world.user_ids["sales"], "name": "rotated"},
        headers=world.headers("admin"),
    )
    assert created.status_code == 201, created.text
    new, new_prefix, old_prefix = created.json()["key"], created.json()["prefix"], old[:11]
    assert _keys(client, world)[new_prefix]["last_used_at"] is None
    for token in (old, new, old, new):
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.json()["user"]["id"] == world.user_ids["sales"]
    used = _keys(client, world)
    assert used[new_prefix]["last_used_at"] is not None
    assert used[old_prefix]["last_used_at"] is not None
    # A second use within the minute writes nothing: the time stays the first use's.
    first_use = used[new_prefix]["last_used_at"]
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {new}"})
    assert _keys(client, world)[new_prefix]["last_used_at"] == first_use
    listed = runner.invoke(
        cli, ["keys", "list", "--user", "sales@acme.test", "--db", db_url, "-f", "json"]
    )
    assert listed.exit_code == 0, listed.output
    shown = {key["prefix"]: key["last_used_at"] for key in json.loads(listed.stdout)}
    assert shown[new_prefix] is not None and shown[old_prefix] is not None
    revoked = client.post(f"/api/v1/keys/{old_prefix}/revoke", headers=world.headers("admin"))
    assert revoked.status_code == 200, revoked.text
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {new}"}).status_code == 200


def test_a_key_revoked_by_the_cli_stops_the_next_api_request(
    client: TestClient, world: Any, db_url: str
) -> None:
    token = world.tokens["marketing"]
    assert client.get("/api/v1/me", headers={"X-API-Key": token}).status_code == 200
    result = runner.invoke(cli, ["keys", "revoke", token[:11], "--db", db_url])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/me", headers={"X-API-Key": token}).status_code == 401
