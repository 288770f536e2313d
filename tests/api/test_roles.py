"""The role matrix: every route under /api/v1 × every caller, from the app's own route table.

A route without a rule here fails `test_every_route_has_a_rule`, so a new route cannot ship
without saying who may call it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from leadflow.api.app import create_app
from leadflow.config import load_settings
from leadflow.users.models import ApiKey, User

EVERYONE = frozenset({"admin", "marketing", "manager", "sales"})
ADMIN = frozenset({"admin"})

Request = Callable[[Any], tuple[dict[str, Any], Any]]  # world -> (path params, JSON body)


@dataclass(frozen=True)
class Rule:
    """Which roles a route lets through; lead-scoped routes let a rep through on own leads."""

    roles: frozenset[str]
    lead_scoped: bool = False
    public: bool = False  # needs no key
    request: Request = field(default=lambda world: ({}, None))


def _user(world: Any) -> tuple[dict[str, Any], Any]:
    return {"user_id": world.user_ids["target"]}, None


RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/healthz"): Rule(EVERYONE, public=True),
    ("GET", "/api/v1/me"): Rule(EVERYONE),
    ("GET", "/api/v1/leads"): Rule(EVERYONE),
    ("GET", "/api/v1/leads/{lead_id}"): Rule(EVERYONE, lead_scoped=True),
    ("GET", "/api/v1/accounts"): Rule(EVERYONE),
    ("GET", "/api/v1/accounts/{account_id}"): Rule(
        EVERYONE, request=lambda w: ({"account_id": w.account}, None)
    ),
    ("GET", "/api/v1/users"): Rule(ADMIN),
    ("POST", "/api/v1/users"): Rule(
        ADMIN, request=lambda w: ({}, {"email": "new@acme.test", "name": "New", "role": "sales"})
    ),
    ("GET", "/api/v1/users/{user_id}"): Rule(ADMIN, request=_user),
    ("PATCH", "/api/v1/users/{user_id}"): Rule(
        ADMIN, request=lambda w: ({"user_id": w.user_ids["target"]}, {"team": "emea"})
    ),
    ("POST", "/api/v1/users/{user_id}/deactivate"): Rule(ADMIN, request=_user),
    ("GET", "/api/v1/keys"): Rule(ADMIN),
    ("POST", "/api/v1/keys"): Rule(
        ADMIN, request=lambda w: ({}, {"user_id": w.user_ids["target"], "name": "new"})
    ),
    ("POST", "/api/v1/keys/{prefix}/revoke"): Rule(
        ADMIN, request=lambda w: ({"prefix": w.target_key}, None)
    ),
}


def _routes() -> list[tuple[str, str]]:
    app = create_app(load_settings(database_url="sqlite://"))
    app.state.engine.dispose()
    return sorted(
        (method, route.path)
        for route in iter_route_contexts(app.routes)
        if isinstance(route.original_route, APIRoute)
        for method in route.methods or ()
    )


ROUTES = _routes()
CALLERS = ("admin", "marketing", "manager", "sales-own", "sales-other")


def test_every_route_has_a_rule() -> None:
    assert set(ROUTES) == set(RULES), "add a rule here for every new route (and drop old ones)"


def _state(client: TestClient) -> tuple[Any, ...]:
    # What a refused call must leave as it was: users, keys and their revocations.
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        users = session.execute(
            select(User.id, User.email, User.role, User.team, User.active).order_by(User.id)
        ).all()
        keys = session.execute(select(func.count(), func.count(ApiKey.revoked_at))).one()
    return tuple(users), tuple(keys)


def _expected(rule: Rule, caller: str) -> bool:
    role = caller.split("-")[0]
    if role not in rule.roles:
        return False
    return not (rule.lead_scoped and caller == "sales-other")


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_role_matrix(client: TestClient, world: Any, method: str, path: str, caller: str) -> None:
    rule = RULES.get((method, path))
    if rule is None:
        pytest.fail(f"no rule for {method} {path}: add one to RULES")
    params, body = rule.request(world)
    if rule.lead_scoped:
        params["lead_id"] = world.other_lead if caller == "sales-other" else world.rep_lead
    before = _state(client)
    response = client.request(
        method, path.format(**params), json=body, headers=world.headers(caller.split("-")[0])
    )
    if _expected(rule, caller):
        assert response.status_code in (200, 201), response.text
    else:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert _state(client) == before, "a refused call changed something"


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_but_public_ones_needs_a_key(
    client: TestClient, world: Any, method: str, path: str
) -> None:
    rule = RULES.get((method, path), Rule(EVERYONE))
    params, body = rule.request(world)
    params.setdefault("lead_id", world.rep_lead)
    response = client.request(method, path.format(**params), json=body)
    if rule.public:
        assert response.status_code == 200, response.text
        return
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_rep_lists_only_own_leads(client: TestClient, world: Any) -> None:
    def emails(role: str, **params: Any) -> list[str]:
        response = client.get("/api/v1/leads", params=params, headers=world.headers(role))
        assert response.status_code == 200, response.text
        return [lead["email"] for lead in response.json()["items"]]

    assert emails("sales") == ["own@buyer.test"]
    assert emails("sales", owner_id=world.user_ids["other-rep"]) == []
    everyone = ["own@buyer.test", "other@buyer.test", "nobody@buyer.test"]
    for role in ("admin", "marketing", "manager"):
        assert emails(role) == everyone
