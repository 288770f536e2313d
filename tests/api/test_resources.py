"""Users, keys, leads and accounts over HTTP: what each route returns."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def test_users_add_change_and_deactivate(client: TestClient, world: Any) -> None:
    admin = world.headers("admin")
    created = client.post(
        "/api/v1/users",
        json={
            "email": " New.Rep@Acme.test",
            "name": "New Rep",
            "team": "emea",
            "manager_id": world.user_ids["manager"],
            "capacity": 10,
            "territory": {"region": ["EMEA"]},
            "time_zone": "Europe/Berlin",
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    user = created.json()
    assert (user["email"], user["role"], user["active"]) == ("new.rep@acme.test", "sales", True)
    path = f"/api/v1/users/{user['id']}"
    assert client.get(path, headers=admin).json() == user
    changed = client.patch(path, json={"team": None, "capacity": 12}, headers=admin).json()
    assert (changed["team"], changed["capacity"], changed["time_zone"]) == (
        None,
        12,
        "Europe/Berlin",
    )
    assert client.post(f"{path}/deactivate", headers=admin).json()["active"] is False
    sales = client.get(
        "/api/v1/users", params={"role": "sales", "include_inactive": False}, headers=admin
    ).json()
    assert "new.rep@acme.test" not in [u["email"] for u in sales]
    assert client.get("/api/v1/users/999999", headers=admin).status_code == 404


def test_a_key_is_shown_in_the_create_response_only(client: TestClient, world: Any) -> None:
    admin = world.headers("admin")
    created = client.post(
        "/api/v1/keys", json={"user_id": world.user_ids["manager"], "name": "bi"}, headers=admin
    ).json()
    assert created["key"].startswith(created["prefix"] + "_")
    listed = client.get(
        "/api/v1/keys", params={"user_id": world.user_ids["manager"]}, headers=admin
    ).json()
    assert [key["name"] for key in listed] == [None, "bi"]
    assert all("key" not in key for key in listed)
    me = client.get("/api/v1/me", headers={"X-API-Key": created["key"]}).json()
    assert me["user"]["role"] == "manager"


def test_a_lead_in_full_and_an_account(client: TestClient, world: Any) -> None:
    lead = client.get(f"/api/v1/leads/{world.rep_lead}", headers=world.headers("sales")).json()
    assert lead["email"] == "own@buyer.test"
    assert lead["owner_id"] == world.user_ids["sales"]
    assert lead["account"]["domain"] == "acme.test"
    assert lead["attributes"] == {} and lead["cycle"] == 1
    account = client.get(f"/api/v1/accounts/{world.account}", headers=world.headers("sales"))
    assert account.json()["name"] == "Acme"
    missing = client.get("/api/v1/accounts/999999", headers=world.headers("sales"))
    assert missing.status_code == 404
    assert missing.json()["errors"] == [
        {"field": "account_id", "reason": "no account with id 999999"}
    ]
