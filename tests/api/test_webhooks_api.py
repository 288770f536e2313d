"""Webhook subscriptions and deliveries over HTTP (admin only): the secret is shown once,
URLs are checked as the CLI checks them, deliveries are listed by page and replayed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from standardwebhooks import Webhook

from leadflow.api.app import create_app
from leadflow.config import load_settings
from leadflow.leads.models import Lead
from leadflow.storage.database import transaction
from leadflow.webhooks.models import DeliveryStatus, WebhookDelivery
from leadflow.webhooks.signing import signature_headers

HOOK = "https://crm.acme.test/hooks"


def _subscribe(client: TestClient, world: Any, **fields: Any) -> dict[str, Any]:
    body = {"url": HOOK, "events": ["*"]} | fields
    response = client.post("/api/v1/webhooks", json=body, headers=world.headers("admin"))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _deliveries(client: TestClient, subscription_id: int, statuses: list[str]) -> list[int]:
    with transaction(client.app.state.engine) as session:  # type: ignore[attr-defined]
        rows = [
            WebhookDelivery(
                message_id=f"msg_{n}",
                subscription_id=subscription_id,
                event_type="lead.mql",
                payload={"type": "lead.mql", "data": {"n": n}},
                status=status,
                attempts=8 if status == DeliveryStatus.DEAD else 1,
            )
            for n, status in enumerate(statuses)
        ]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def test_the_secret_is_shown_once_and_signs_what_receivers_verify(
    client: TestClient, world: Any
) -> None:
    created = _subscribe(client, world, description="CRM")
    secret = created["secret"]
    assert secret.startswith("whsec_")
    # A receiver holding the secret verifies what leadflow signs with it.
    headers = signature_headers(
        message_id="msg_1", body="{}", signing_secrets=[secret], sent_at=datetime.now(UTC)
    )
    assert Webhook(secret).verify("{}", headers) == {}
    admin = world.headers("admin")
    shown = [
        client.get("/api/v1/webhooks", headers=admin),
        client.get(f"/api/v1/webhooks/{created['id']}", headers=admin),
        client.post(f"/api/v1/webhooks/{created['id']}/pause", headers=admin),
    ]
    for response in shown:
        assert response.status_code == 200, response.text
        assert secret not in response.text and 'secret"' not in response.text
    assert shown[0].json()[0] | {"secret": secret} == created | {"active": True}


def test_a_rotation_shows_a_new_secret_once_and_keeps_the_old_one_for_the_overlap(
    client: TestClient, world: Any
) -> None:
    created = _subscribe(client, world)
    before = datetime.now(UTC)
    response = client.post(
        f"/api/v1/webhooks/{created['id']}/rotate",
        json={"overlap_hours": 2},
        headers=world.headers("admin"),
    )
    assert response.status_code == 200, response.text
    rotated = response.json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]
    expires = datetime.fromisoformat(rotated["previous_secret_expires_at"])
    assert before + timedelta(hours=2) <= expires <= datetime.now(UTC) + timedelta(hours=2)


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"url": "ftp://crm.acme.test/x"}, "url", "use an http:// or https:// URL with a host"),
        ({"url": "https://bob:pw@crm.acme.test/"}, "url", "no user or password in the URL"),
        ({"url": "https://crm.acme.test:99999/"}, "url", "Port out of range"),
        ({"events": ["lead.bought"]}, "events.0", "Input should be"),
        ({"events": []}, "events", "at least 1 item"),
        ({"secret": "mine"}, "secret", "Extra inputs are not permitted"),
    ],
)
def test_a_bad_subscription_is_422_naming_the_field(
    client: TestClient, world: Any, body: dict[str, Any], field: str, reason: str
) -> None:
    request = {"url": HOOK, "events": ["lead.mql"]} | body
    response = client.post("/api/v1/webhooks", json=request, headers=world.headers("admin"))
    assert response.status_code == 422, response.text
    problem = response.json()["errors"][0]
    assert problem["field"] == field
    assert reason in problem["reason"]
    assert client.get("/api/v1/webhooks", headers=world.headers("admin")).json() == []


def test_without_a_server_key_subscribing_is_503_saying_how_to_set_one(
    db_url: str, world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEADFLOW_SECRET_KEY")
    with TestClient(create_app(load_settings(database_url=db_url))) as keyless:
        response = keyless.post(
            "/api/v1/webhooks", json={"url": HOOK, "events": ["*"]}, headers=world.headers("admin")
        )
        assert response.status_code == 503, response.text
        assert "set LEADFLOW_SECRET_KEY" in response.json()["detail"]
        assert keyless.get("/api/v1/webhooks", headers=world.headers("admin")).json() == []


def test_a_subscription_is_changed_paused_resumed_and_deleted(
    client: TestClient, world: Any
) -> None:
    admin = world.headers("admin")
    created = _subscribe(client, world, description="CRM")
    path = f"/api/v1/webhooks/{created['id']}"
    changed = client.patch(path, json={"events": ["lead.sql"], "description": None}, headers=admin)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["events"], changed.json()["description"]) == (["lead.sql"], None)
    assert changed.json()["url"] == HOOK
    assert client.post(f"{path}/pause", headers=admin).json()["active"] is False
    assert client.post(f"{path}/resume", headers=admin).json()["active"] is True
    _deliveries(client, created["id"], ["dead"])
    assert client.delete(path, headers=admin).json()["id"] == created["id"]
    assert client.get(path, headers=admin).status_code == 404
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0


def test_an_action_over_the_api_queues_its_event(client: TestClient, world: Any) -> None:
    subscription = _subscribe(client, world, events=["lead.accepted"])
    with transaction(client.app.state.engine) as session:  # type: ignore[attr-defined]
        lead = session.get(Lead, world.rep_lead)
        assert lead is not None
        lead.stage = "mql"
    accepted = client.post(f"/api/v1/leads/{world.rep_lead}/accept", headers=world.headers("sales"))
    assert accepted.status_code == 200, accepted.text
    page = client.get("/api/v1/webhooks/deliveries", headers=world.headers("admin")).json()
    [delivery] = page["items"]
    assert (delivery["subscription_id"], delivery["event_type"], delivery["lead_id"]) == (
        subscription["id"],
        "lead.accepted",
        world.rep_lead,
    )
    assert delivery["payload"]["data"]["actor"] == "sales@acme.test"


def test_deliveries_are_listed_newest_first_by_status_a_page_at_a_time(
    client: TestClient, world: Any
) -> None:
    subscription = _subscribe(client, world)
    ids = _deliveries(client, subscription["id"], ["dead", "delivered", "dead", "pending", "dead"])
    dead = [ids[4], ids[2], ids[0]]
    admin = world.headers("admin")
    first = client.get("/api/v1/webhooks/deliveries?status=dead&limit=2", headers=admin).json()
    assert [d["id"] for d in first["items"]] == dead[:2]
    rest = client.get(
        "/api/v1/webhooks/deliveries",
        params={"status": "dead", "limit": 2, "cursor": first["next_cursor"]},
        headers=admin,
    ).json()
    assert ([d["id"] for d in rest["items"]], rest["next_cursor"]) == (dead[2:], None)
    wrong = client.get("/api/v1/webhooks/deliveries?status=lost", headers=admin)
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "status"


def test_dead_deliveries_are_replayed_with_fresh_attempts(client: TestClient, world: Any) -> None:
    subscription = _subscribe(client, world)
    ids = _deliveries(client, subscription["id"], ["dead", "delivered", "dead", "pending"])
    admin = world.headers("admin")
    response = client.post("/api/v1/webhooks/deliveries/replay", json={"dead": True}, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json() == {"queued": 2, "delivery_ids": [ids[0], ids[2]]}
    replayed = client.get(f"/api/v1/webhooks/deliveries/{ids[0]}", headers=admin).json()
    assert (replayed["status"], replayed["attempts"], replayed["message_id"]) == (
        "pending",
        0,
        "msg_0",
    )
    one = client.post(f"/api/v1/webhooks/deliveries/{ids[1]}/replay", headers=admin)
    assert one.json() == {"queued": 1, "delivery_ids": [ids[1]]}
    pending = client.post(f"/api/v1/webhooks/deliveries/{ids[3]}/replay", headers=admin)
    assert pending.json() == {"queued": 0, "delivery_ids": []}
    missing = client.post("/api/v1/webhooks/deliveries/999999/replay", headers=admin)
    assert missing.status_code == 404
    nothing = client.post("/api/v1/webhooks/deliveries/replay", json={}, headers=admin)
    assert nothing.status_code == 422
    assert "give `dead: true`, `since`, or both" in nothing.json()["detail"]
