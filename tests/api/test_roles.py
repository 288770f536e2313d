"""The role matrix: every route under /api/v1 × every caller, from the app's own route table.

A route without a rule here fails `test_every_route_has_a_rule`, so a new route cannot ship
without saying who may call it.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadflow.api.app import create_app
from leadflow.config import load_settings
from leadflow.leads.models import Lead
from leadflow.scoring import versions
from leadflow.scoring.model_file import parse_model, starter_model_text
from leadflow.storage.database import transaction
from leadflow.users.models import ApiKey, User
from leadflow.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription

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
    # Makes the world in which the call is legal (a lead in the right stage, a subscription),
    # given a session and the path params; committed before the call.
    prepare: Callable[[Session, dict[str, Any]], None] | None = None
    # Sends the key as the Basic auth user name, as Segment libraries send their write key.
    basic_auth: bool = False


INGEST_WRITERS = frozenset({"admin", "marketing"})
_EVENT = {"type": "page_view", "occurred_at": "2026-05-04T09:00:00Z", "email": "own@buyer.test"}
_SEGMENT_IDENTIFY = {"userId": "u-1", "anonymousId": "a-1", "traits": {"email": "own@buyer.test"}}
_TRACK = {"userId": "u-1", "event": "Demo Requested", "messageId": "segment-track-1"}
_PAGE = {"anonymousId": "a-1", "properties": {"path": "/pricing"}, "messageId": "segment-page-1"}


def _auth(world: Any, rule: Rule, role: str) -> dict[str, str]:
    if not rule.basic_auth:
        return dict(world.headers(role))
    user_and_password = base64.b64encode(f"{world.tokens[role]}:".encode()).decode()
    return {"Authorization": f"Basic {user_and_password}"}


# act (H2): worlds in which each action is legal; fixed ids the fuzzed world never reaches.
SUBSCRIPTION_ID = 900_001
DELIVERY_ID = 900_002
STARTER = starter_model_text()
STARTER_VERSION = parse_model(STARTER).version
_ACTORS = frozenset({"admin", "manager", "sales"})


def _in_stage(stage: str) -> Callable[[Session, dict[str, Any]], None]:
    def prepare(session: Session, params: dict[str, Any]) -> None:
        lead = session.get(Lead, params["lead_id"])
        assert lead is not None
        lead.stage = stage

    return prepare


def _starter_model(session: Session, params: dict[str, Any]) -> None:
    model = parse_model(STARTER)
    versions.record_version(session=session, model=model, source=STARTER)
    versions.activate(session=session, version=model.version)


def _subscription(session: Session, params: dict[str, Any]) -> None:
    url = "https://crm.acme.test/hooks"
    session.add(
        WebhookSubscription(id=SUBSCRIPTION_ID, url=url, event_types=["*"], secret_salt="0" * 32)
    )
    session.flush()


def _dead_delivery(session: Session, params: dict[str, Any]) -> None:
    _subscription(session, params)
    session.add(
        WebhookDelivery(
            id=DELIVERY_ID,
            message_id="msg_roles",
            subscription_id=SUBSCRIPTION_ID,
            event_type="lead.mql",
            payload={"type": "lead.mql", "data": {}},
            status=DeliveryStatus.DEAD,
            attempts=8,
        )
    )


def _sub(body: Any = None) -> Request:
    return lambda w: ({"subscription_id": SUBSCRIPTION_ID}, body)


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
    ("GET", "/api/v1/audit"): Rule(ADMIN),
    ("GET", "/api/v1/keys"): Rule(ADMIN),
    ("POST", "/api/v1/keys"): Rule(
        ADMIN, request=lambda w: ({}, {"user_id": w.user_ids["target"], "name": "new"})
    ),
    ("POST", "/api/v1/keys/{prefix}/revoke"): Rule(
        ADMIN, request=lambda w: ({"prefix": w.target_key}, None)
    ),
    # act (H2)
    ("POST", "/api/v1/leads/{lead_id}/handoff"): Rule(EVERYONE, lead_scoped=True),
    ("POST", "/api/v1/leads/{lead_id}/accept"): Rule(
        _ACTORS, lead_scoped=True, prepare=_in_stage("mql")
    ),
    ("POST", "/api/v1/leads/{lead_id}/reject"): Rule(
        _ACTORS,
        lead_scoped=True,
        prepare=_in_stage("mql"),
        request=lambda w: ({}, {"reason": "not_ready"}),
    ),
    ("POST", "/api/v1/leads/{lead_id}/qualify"): Rule(
        _ACTORS,
        lead_scoped=True,
        prepare=_in_stage("sal"),
        request=lambda w: ({}, {k: "yes" for k in ("need", "budget", "authority", "timeline")}),
    ),
    ("POST", "/api/v1/leads/{lead_id}/disqualify"): Rule(
        EVERYONE, lead_scoped=True, request=lambda w: ({}, {"reason": "junk"})
    ),
    ("POST", "/api/v1/leads/{lead_id}/opportunity"): Rule(
        _ACTORS, lead_scoped=True, prepare=_in_stage("sql"), request=lambda w: ({}, {"amount": 1})
    ),
    ("POST", "/api/v1/leads/{lead_id}/won"): Rule(
        _ACTORS, lead_scoped=True, prepare=_in_stage("opportunity")
    ),
    ("POST", "/api/v1/leads/{lead_id}/lost"): Rule(
        _ACTORS,
        lead_scoped=True,
        prepare=_in_stage("opportunity"),
        request=lambda w: ({}, {"reason": "price"}),
    ),
    ("GET", "/api/v1/leads/{lead_id}/history"): Rule(EVERYONE, lead_scoped=True),
    ("GET", "/api/v1/leads/{lead_id}/brief"): Rule(EVERYONE, lead_scoped=True),
    ("GET", "/api/v1/model"): Rule(EVERYONE, prepare=_starter_model),
    ("GET", "/api/v1/model/versions"): Rule(EVERYONE),
    ("GET", "/api/v1/model/versions/{version}"): Rule(
        EVERYONE, prepare=_starter_model, request=lambda w: ({"version": STARTER_VERSION}, None)
    ),
    ("POST", "/api/v1/model/validate"): Rule(EVERYONE, request=lambda w: ({}, {"text": STARTER})),
    ("POST", "/api/v1/model/versions"): Rule(
        ADMIN, request=lambda w: ({}, {"text": STARTER, "activate": True})
    ),
    ("POST", "/api/v1/model/versions/{version}/activate"): Rule(
        ADMIN, prepare=_starter_model, request=lambda w: ({"version": STARTER_VERSION}, None)
    ),
    ("GET", "/api/v1/webhooks"): Rule(ADMIN),
    ("POST", "/api/v1/webhooks"): Rule(
        ADMIN, request=lambda w: ({}, {"url": "https://crm.acme.test/in", "events": ["*"]})
    ),
    ("GET", "/api/v1/webhooks/{subscription_id}"): Rule(
        ADMIN, prepare=_subscription, request=_sub()
    ),
    ("PATCH", "/api/v1/webhooks/{subscription_id}"): Rule(
        ADMIN, prepare=_subscription, request=_sub({"events": ["lead.mql"]})
    ),
    ("DELETE", "/api/v1/webhooks/{subscription_id}"): Rule(
        ADMIN, prepare=_subscription, request=_sub()
    ),
    ("POST", "/api/v1/webhooks/{subscription_id}/pause"): Rule(
        ADMIN, prepare=_subscription, request=_sub()
    ),
    ("POST", "/api/v1/webhooks/{subscription_id}/resume"): Rule(
        ADMIN, prepare=_subscription, request=_sub()
    ),
    ("POST", "/api/v1/webhooks/{subscription_id}/rotate"): Rule(
        ADMIN, prepare=_subscription, request=_sub()
    ),
    ("GET", "/api/v1/webhooks/deliveries"): Rule(ADMIN),
    ("GET", "/api/v1/webhooks/deliveries/{delivery_id}"): Rule(
        ADMIN, prepare=_dead_delivery, request=lambda w: ({"delivery_id": DELIVERY_ID}, None)
    ),
    ("POST", "/api/v1/webhooks/deliveries/{delivery_id}/replay"): Rule(
        ADMIN, prepare=_dead_delivery, request=lambda w: ({"delivery_id": DELIVERY_ID}, None)
    ),
    ("POST", "/api/v1/webhooks/deliveries/replay"): Rule(
        ADMIN, prepare=_dead_delivery, request=lambda w: ({}, {"dead": True})
    ),
    ("GET", "/api/v1/sla/timers"): Rule(EVERYONE),
    ("POST", "/api/v1/sla/sweep"): Rule(ADMIN),
    # reports (H4)
    ("GET", "/api/v1/reports"): Rule(EVERYONE),
    ("GET", "/api/v1/reports/{name}"): Rule(EVERYONE, request=lambda w: ({"name": "funnel"}, None)),
    # ingest (H1)
    ("POST", "/api/v1/leads"): Rule(
        INGEST_WRITERS, request=lambda w: ({}, {"email": "new@buyer.test", "title": "CTO"})
    ),
    ("PATCH", "/api/v1/leads/{lead_id}"): Rule(
        INGEST_WRITERS, lead_scoped=True, request=lambda w: ({}, {"title": "CTO"})
    ),
    ("POST", "/api/v1/activities"): Rule(INGEST_WRITERS, request=lambda w: ({}, _EVENT)),
    ("POST", "/api/v1/activities/batch"): Rule(
        INGEST_WRITERS, request=lambda w: ({}, {"events": [_EVENT]})
    ),
    ("GET", "/api/v1/leads/{lead_id}/activities"): Rule(EVERYONE, lead_scoped=True),
    # segment (H1b)
    ("POST", "/v1/identify"): Rule(
        INGEST_WRITERS, basic_auth=True, request=lambda w: ({}, _SEGMENT_IDENTIFY)
    ),
    ("POST", "/v1/track"): Rule(INGEST_WRITERS, basic_auth=True, request=lambda w: ({}, _TRACK)),
    ("POST", "/v1/page"): Rule(INGEST_WRITERS, basic_auth=True, request=lambda w: ({}, _PAGE)),
    ("POST", "/v1/batch"): Rule(
        INGEST_WRITERS,
        basic_auth=True,
        request=lambda w: ({}, {"batch": [{"type": "track", **_TRACK}, {"type": "page", **_PAGE}]}),
    ),
}


def _routes() -> list[tuple[str, str]]:
    app = create_app(load_settings(database_url="sqlite://"))
    app.state.engine.dispose()
    return sorted(
        (method, route.path)
        for route in iter_route_contexts(app.routes)
        # The dashboard's HTML pages are not in the API's schema; tests/web checks their roles.
        if isinstance(route.original_route, APIRoute) and route.include_in_schema
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
    if rule.prepare is not None:
        with transaction(client.app.state.engine) as session:  # type: ignore[attr-defined]
            rule.prepare(session, params)
    before = _state(client)
    response = client.request(
        method, path.format(**params), json=body, headers=_auth(world, rule, caller.split("-")[0])
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
