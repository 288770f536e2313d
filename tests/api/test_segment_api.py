"""Segment's tracking API: the real segment-analytics-python client against a live server,
and the HTTP contract (auth, all-or-nothing batches, errors naming the message field)."""

from __future__ import annotations

import base64
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from segment.analytics import Client
from sqlalchemy import func, select

from leadflow.activities.models import Activity
from leadflow.scoring import versions
from leadflow.scoring.model_file import parse_model, starter_model_text
from leadflow.storage.database import transaction

# Starter model points (docs: src/leadflow/scoring/starter.yaml), decay over seconds aside:
# a pricing page view earns pricing_page 10 and page_views 1; a download 8; a demo request 40.
PRICING_VIEW = 10 + 1
DOWNLOAD = 8
DEMO = 40


def basic(token: str) -> dict[str, str]:
    """The Authorization header a Segment library sends: the write key as Basic user."""
    return {"Authorization": "Basic " + base64.b64encode(f"{token}:".encode()).decode()}


@pytest.fixture
def scored(app: FastAPI) -> FastAPI:
    """The app with the starter scoring model active, so ingestion scores in real time."""
    text = starter_model_text()
    model = parse_model(text)
    with transaction(app.state.engine) as session:
        versions.record_version(session=session, model=model, source=text)
        versions.activate(session=session, version=model.version)
    return app


@pytest.fixture
def live_url(scored: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on a free local port, for real clients."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(scored, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=20)


def _lead(client: TestClient, world: Any, lead_id: int) -> dict[str, Any]:
    response = client.get(f"/api/v1/leads/{lead_id}", headers=world.headers("admin"))
    assert response.status_code == 200, response.text
    lead: dict[str, Any] = response.json()
    return lead


def test_the_segment_client_merges_anonymous_history_and_moves_the_score(
    scored: FastAPI, live_url: str, world: Any
) -> None:
    errors: list[Exception] = []
    segment = Client(
        write_key=world.tokens["marketing"],
        host=live_url,
        sync_mode=True,
        max_retries=0,
        on_error=lambda error, _batch: errors.append(error),
    )
    visitor = f"anon-{uuid.uuid4()}"
    campaign = {"campaign": {"source": "linkedin", "medium": "paid", "name": "q3-launch"}}
    segment.page(anonymous_id=visitor, name="Pricing", properties={"path": "/pricing"})
    segment.page(
        anonymous_id=visitor,
        properties={"url": "https://acme.test/pricing/teams"},
        context=campaign,
    )
    segment.track(anonymous_id=visitor, event="Content Downloaded", properties={"asset": "ebook"})
    segment.identify(
        user_id="crm-7",
        anonymous_id=visitor,
        traits={"email": "dana@northwind.test", "firstName": "Dana", "title": "Head of Data"},
    )
    with TestClient(scored) as client:
        lead_id = client.get(
            "/api/v1/leads",
            params={"search": "dana@northwind.test"},
            headers=world.headers("admin"),
        ).json()["items"][0]["id"]
        before = _lead(client, world, lead_id)
        segment.track(user_id="crm-7", event="Demo Requested", properties={"form": "demo"})
        after = _lead(client, world, lead_id)
    assert errors == []
    with scored.state.sessions() as session:
        rows = session.execute(
            select(Activity.type, Activity.lead_id, Activity.source).where(
                (Activity.anonymous_id == visitor) | (Activity.lead_id == lead_id)
            )
        ).all()
    types = sorted(row.type for row in rows)
    assert types == ["content_download", "demo_request", "identify", "page_view", "page_view"]
    assert {row.lead_id for row in rows} == {lead_id}, "the anonymous history joined the lead"
    assert sum(row.source == "linkedin" for row in rows) == 1
    assert before["external_id"] == "crm-7" and before["title"] == "Head of Data"
    assert before["engagement"] == pytest.approx(2 * PRICING_VIEW + DOWNLOAD, abs=1e-3)
    assert after["engagement"] == pytest.approx(2 * PRICING_VIEW + DOWNLOAD + DEMO, abs=1e-3)


def _count(app: FastAPI, event_id: str) -> int:
    with app.state.sessions() as session:
        statement = select(func.count()).where(Activity.event_id == event_id)
        return int(session.scalar(statement) or 0)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    times=st.integers(min_value=1, max_value=3),
    event=st.sampled_from(["Form Submitted", "Video Played", "Demo Requested"]),
    via_batch=st.booleans(),
)
def test_the_same_message_sent_again_is_stored_once(
    client: TestClient, scored: FastAPI, world: Any, times: int, event: str, via_batch: bool
) -> None:
    message_id = str(uuid.uuid4())
    message = {"userId": "u-1", "event": event, "messageId": message_id}
    for _ in range(times):
        if via_batch:
            body = {"batch": [{"type": "track", **message}, {"type": "track", **message}]}
            response = client.post("/v1/batch", json=body, headers=basic(world.tokens["admin"]))
        else:
            response = client.post("/v1/track", json=message, headers=basic(world.tokens["admin"]))
        assert response.status_code == 200, response.text
        assert response.json() == {"success": True}
    assert _count(scored, message_id) == 1


def test_a_bad_message_refuses_the_whole_batch_naming_its_index(
    client: TestClient, scored: FastAPI, world: Any
) -> None:
    body = {
        "batch": [
            {"type": "track", "userId": "u-1", "event": "Fine", "messageId": "fine-1"},
            {"type": "identify", "userId": "u-2", "traits": {"email": "not-an-address"}},
        ]
    }
    response = client.post("/v1/batch", json=body, headers=basic(world.tokens["marketing"]))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["batch.1.traits.email"]
    assert _count(scored, "fine-1") == 0


def test_a_batch_over_the_limit_is_refused(app: FastAPI, client: TestClient, world: Any) -> None:
    limit = app.state.settings.api.max_batch_events
    message = {"type": "page", "anonymousId": "a"}
    body = {"batch": [message] * (limit + 1)}
    response = client.post("/v1/batch", json=body, headers=basic(world.tokens["marketing"]))
    assert response.status_code == 413, response.text
    assert response.json()["errors"][0]["field"] == "batch"


@pytest.mark.parametrize(
    ("header", "status"),
    [
        ({"Authorization": "Basic bm90LWJhc2U2NA=="}, 401),  # "not-base64": no colon
        ({"Authorization": "Basic !!!"}, 401),
        ({"Authorization": "Basic " + base64.b64encode(b"lf_nope_x:").decode()}, 401),
    ],
)
def test_an_unreadable_or_unknown_write_key_is_401(
    client: TestClient, world: Any, header: dict[str, str], status: int
) -> None:
    response = client.post("/v1/page", json={"anonymousId": "a"}, headers=header)
    assert response.status_code == status, response.text
    assert response.json()["errors"][0]["field"] == "authorization"


def test_a_sales_write_key_is_refused(client: TestClient, world: Any) -> None:
    response = client.post(
        "/v1/page", json={"anonymousId": "a"}, headers=basic(world.tokens["sales"])
    )
    assert response.status_code == 403, response.text
