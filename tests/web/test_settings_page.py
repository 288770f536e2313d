"""The settings page: admins only; users, API keys and webhooks through the real services."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.conftest import WebWorld, csrf_of

from leadflow.storage.database import transaction
from leadflow.users import service
from leadflow.users.models import ApiKey, Role, User
from leadflow.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from leadflow.webhooks.outbox import emit


def _form(client: TestClient, path: str, **data: object) -> httpx.Response:
    """Post a form with the session's CSRF token, as the page's own form would."""
    token = csrf_of(client.get("/login").text)
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


@pytest.mark.parametrize("name", ["marketing", "manager", "sales"])
def test_only_admins_open_settings(client_for: Callable[[str], TestClient], name: str) -> None:
    client = client_for(name)
    page = client.get("/settings")
    assert page.status_code == 403 and page.headers["content-type"].startswith("text/html")
    assert "this page is for admin" in page.text
    refused = _form(client, "/settings/users", email="x@acme.test", name="X", role="admin")
    assert refused.status_code == 403


def test_an_admin_sees_users_keys_and_webhooks(
    client_for: Callable[[str], TestClient], web_world: WebWorld
) -> None:
    page = client_for("admin").get("/settings")
    assert page.status_code == 200
    for heading in ("Users", "API keys", "Webhook subscriptions", "Recent deliveries"):
        assert f">{heading}</h2>" in page.text
    for email in web_world.emails.values():
        assert email in page.text


def test_an_admin_adds_a_user_and_changes_a_role(
    web_app: FastAPI, client_for: Callable[[str], TestClient]
) -> None:
    admin = client_for("admin")
    added = _form(
        admin, "/settings/users", email="New@Acme.test", name="<b>New</b>", role="manager"
    )
    assert added.status_code == 303 and added.headers["location"] == "/settings?done=user-created"
    page = admin.get("/settings?done=user-created").text
    assert "User added." in page and "&lt;b&gt;New&lt;/b&gt;" in page and "<b>New</b>" not in page
    with transaction(web_app.state.engine) as session:
        user = service.resolve(session=session, email="new@acme.test")
        assert (user.role, user.password_hash) == (Role.MANAGER, None)
        user_id = user.id
    changed = _form(admin, f"/settings/users/{user_id}/role", role="sales")
    assert changed.headers["location"] == "/settings?done=role-changed"
    with transaction(web_app.state.engine) as session:
        assert session.get(User, user_id).role == Role.SALES  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("data", "status", "says"),
    [
        ({"email": "not-an-email", "name": "X", "role": "sales"}, 422, "email"),
        ({"email": "ok@acme.test", "name": "X", "role": "boss"}, 422, "role"),
        ({"email": "admin@acme.test", "name": "X", "role": "sales"}, 409, "exists"),
    ],
)
def test_a_refused_user_is_shown_on_the_page_and_nothing_changes(
    web_app: FastAPI,
    client_for: Callable[[str], TestClient],
    data: dict[str, str],
    status: int,
    says: str,
) -> None:
    response = _form(client_for("admin"), "/settings/users", **data)
    assert response.status_code == status
    error = re.search(r'id="settings-error">([^<]*)<', response.text)
    assert error and says in error.group(1)
    with transaction(web_app.state.engine) as session:
        assert len(service.list_users(session=session)) == 5


def test_the_last_admin_keeps_the_role(
    web_world: WebWorld, client_for: Callable[[str], TestClient]
) -> None:
    response = _form(
        client_for("admin"), f"/settings/users/{web_world.user_ids['admin']}/role", role="sales"
    )
    assert response.status_code == 409 and "the last active admin" in response.text


def test_an_api_key_is_shown_once_works_and_is_revoked(
    web_app: FastAPI, web_world: WebWorld, client_for: Callable[[str], TestClient]
) -> None:
    admin = client_for("admin")
    created = _form(admin, "/settings/keys", user_id=web_world.user_ids["manager"], name="crm")
    assert created.status_code == 201
    shown = re.search(r'id="shown-secret">([^<]+)<', created.text)
    assert shown
    key = shown.group(1)
    me = admin.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert me.status_code == 200 and me.json()["user"]["email"] == web_world.emails["manager"]
    assert key not in admin.get("/settings").text
    with transaction(web_app.state.engine) as session:
        stored = session.scalars(select(ApiKey).where(ApiKey.name == "crm")).one()
        assert key.split("_")[-1] not in stored.secret_hash
        prefix = stored.prefix
    revoked = _form(admin, f"/settings/keys/{prefix}/revoke")
    assert revoked.headers["location"] == "/settings?done=key-revoked"
    gone = admin.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert gone.status_code == 401


def test_a_webhook_subscription_shows_its_secret_once_and_deliveries_replay(
    web_app: FastAPI, client_for: Callable[[str], TestClient]
) -> None:
    admin = client_for("admin")
    subscribed = admin.post(
        "/settings/webhooks",
        data={
            "url": "https://crm.example.test/hooks",
            "events": ["lead.mql", "lead.accepted"],
            "description": "CRM",
            "csrf_token": csrf_of(admin.get("/settings").text),
        },
    )
    assert subscribed.status_code == 201
    assert re.search(r'id="shown-secret">whsec_', subscribed.text)
    with transaction(web_app.state.engine) as session:
        subscription = session.scalars(select(WebhookSubscription)).one()
        assert subscription.event_types == ["lead.mql", "lead.accepted"]
        (delivery,) = emit(session=session, event_type="lead.mql", data={"lead": 1})
        delivery.status, delivery.attempts = DeliveryStatus.DEAD, 8
        session.flush()
        delivery_id, subscription_id = delivery.id, subscription.id
    page = admin.get("/settings").text
    assert f"Replay delivery {delivery_id}" in page
    replayed = _form(admin, f"/settings/deliveries/{delivery_id}/replay")
    assert replayed.headers["location"] == "/settings?done=delivery-replayed"
    with transaction(web_app.state.engine) as session:
        again = session.get(WebhookDelivery, delivery_id)
        assert again is not None and (again.status, again.attempts) == ("pending", 0)
    paused = _form(admin, f"/settings/webhooks/{subscription_id}/pause")
    assert paused.headers["location"] == "/settings?done=webhook-paused"
    with transaction(web_app.state.engine) as session:
        assert not session.get(WebhookSubscription, subscription_id).active  # type: ignore[union-attr]


def test_a_subscription_without_events_or_with_a_bad_url_is_refused(
    web_app: FastAPI, client_for: Callable[[str], TestClient]
) -> None:
    admin = client_for("admin")
    no_events = _form(admin, "/settings/webhooks", url="https://crm.example.test/hooks")
    assert no_events.status_code == 422 and "name at least one" in no_events.text
    bad_url = _form(admin, "/settings/webhooks", url="ftp://x", events="lead.mql")
    assert bad_url.status_code == 422
    missing = _form(admin, "/settings/deliveries/999/replay")
    assert missing.status_code == 404 and "no webhook delivery with id 999" in missing.text
    with transaction(web_app.state.engine) as session:
        assert session.scalars(select(WebhookSubscription)).all() == []
