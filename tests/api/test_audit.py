"""`GET /api/v1/audit`: every audited change made over the API is listed with the key that
made it, in the same transaction as the change (a refused change leaves no entry)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from leadflow.scoring.model_file import starter_model_text


def _audit(client: TestClient, world: Any, **params: str) -> list[dict[str, Any]]:
    response = client.get("/api/v1/audit", params=params, headers=world.headers("admin"))
    assert response.status_code == 200, response.text
    return list(response.json())


def test_changes_over_the_api_are_audited_with_their_key(client: TestClient, world: Any) -> None:
    admin = world.headers("admin")
    assert _audit(client, world) == []
    key = client.post("/api/v1/keys", json={"user_id": world.user_ids["target"]}, headers=admin)
    prefix = key.json()["prefix"]
    client.post(f"/api/v1/keys/{prefix}/revoke", headers=admin)
    user = client.post(
        "/api/v1/users", json={"email": "new@acme.test", "name": "New"}, headers=admin
    ).json()
    client.patch(f"/api/v1/users/{user['id']}", json={"role": "manager"}, headers=admin)
    hook = client.post(
        "/api/v1/webhooks",
        json={"url": "https://hooks.example.test/in", "events": ["*"]},
        headers=admin,
    ).json()
    client.patch(f"/api/v1/webhooks/{hook['id']}", json={"description": "crm"}, headers=admin)
    client.post("/api/v1/webhooks/deliveries/replay", json={"dead": True}, headers=admin)
    client.delete(f"/api/v1/webhooks/{hook['id']}", headers=admin)
    model = client.post(
        "/api/v1/model/versions",
        json={"text": starter_model_text(), "activate": True},
        headers=admin,
    )
    assert model.status_code == 201, model.text
    entries = _audit(client, world)
    assert [(e["action"], e["subject"]) for e in entries] == [
        ("key.created", prefix),
        ("key.revoked", prefix),
        ("user.created", "new@acme.test"),
        ("user.role_changed", "new@acme.test"),
        ("webhook.created", f"subscription {hook['id']}"),
        ("webhook.updated", f"subscription {hook['id']}"),
        ("webhook.replayed", "all"),
        ("webhook.deleted", f"subscription {hook['id']}"),
        ("model.recorded", "1"),
        ("model.activated", "1"),
    ]
    admin_prefix = world.tokens["admin"][:11]
    assert {e["actor"] for e in entries} == {f"admin@acme.test via {admin_prefix}"}
    assert {e["actor_type"] for e in entries} == {"api_key"}
    assert entries[3]["details"]["role_before"] == "sales"
    assert entries[3]["details"]["role"] == "manager"
    assert "secret" not in str(entries)
    later = _audit(client, world, since=entries[8]["at"])
    assert [e["action"] for e in later] == ["model.recorded", "model.activated"]
    assert _audit(client, world, actor="nobody@") == []


def test_a_refused_change_leaves_no_entry(client: TestClient, world: Any) -> None:
    admin = world.headers("admin")
    taken = {"email": "admin@acme.test", "name": "Again"}
    assert client.post("/api/v1/users", json=taken, headers=admin).status_code == 409
    last_admin = world.user_ids["admin"]
    response = client.post(f"/api/v1/users/{last_admin}/deactivate", headers=admin)
    assert response.status_code == 409
    bad_model = client.post("/api/v1/model/versions", json={"text": "name: x"}, headers=admin)
    assert bad_model.status_code == 422
    assert _audit(client, world) == []


def test_only_admins_read_the_audit_log(client: TestClient, world: Any) -> None:
    for role in ("marketing", "manager", "sales"):
        response = client.get("/api/v1/audit", headers=world.headers(role))
        assert response.status_code == 403, role
    bad = client.get("/api/v1/audit", params={"since": "yesterday"}, headers=world.headers("admin"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "since"
