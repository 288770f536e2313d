"""`/activities` and a lead's activities: one event or a batch, idempotent by id, checked
whole before anything is written, the lead rescored at once; concurrent writers to one lead
lose nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from leadflow.activities.models import Activity
from leadflow.api.app import create_app
from leadflow.config import load_settings
from leadflow.scoring import versions
from leadflow.scoring.model_file import parse_model, starter_model_text
from leadflow.scoring.models import ScoreRecord
from leadflow.scoring.state_codec import decode_state
from leadflow.storage.base import utcnow
from leadflow.storage.database import transaction

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def _event(i: int, email: str = "own@buyer.test", **more: Any) -> dict[str, Any]:
    at = (T0 + timedelta(minutes=i)).isoformat()
    return {"type": "page_view", "occurred_at": at, "email": email, "event_id": f"ev-{i}",
            "properties": {"path": "/docs"}, **more}  # fmt: skip


def _stored(client: TestClient) -> int:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        return session.scalar(select(func.count()).select_from(Activity)) or 0


def test_one_event_is_created_once(client: TestClient, world: Any) -> None:
    headers = world.headers("marketing")
    first = client.post("/api/v1/activities", json=_event(1), headers=headers)
    again = client.post("/api/v1/activities", json=_event(1), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == {"index": 0, "event_id": "ev-1", "status": "stored",
                            "lead_id": world.rep_lead}  # fmt: skip
    assert again.json()["status"] == "duplicate"
    bad = client.post("/api/v1/activities", json={**_event(2), "occurred_at": "soon"},
                      headers=headers)  # fmt: skip
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "occurred_at"
    assert _stored(client) == 1


def test_a_batch_reports_each_event_and_stores_it_once(client: TestClient, world: Any) -> None:
    headers = world.headers("admin")
    batch = {"events": [_event(1), _event(2, anonymous_id="a1", email=None), _event(1)]}
    batch["events"][1].pop("email")
    first = client.post("/api/v1/activities/batch", json=batch, headers=headers)
    assert first.status_code == 200, first.text
    body = first.json()
    assert [e["status"] for e in body["events"]] == ["stored", "stored", "duplicate"]
    assert [e["lead_id"] for e in body["events"]] == [world.rep_lead, None, world.rep_lead]
    assert (body["stored"], body["duplicates"], body["lead_ids"]) == (2, 1, [world.rep_lead])
    again = client.post("/api/v1/activities/batch", json=batch, headers=headers).json()
    assert (again["stored"], again["duplicates"]) == (0, 3)
    assert _stored(client) == 2


def test_a_bad_event_names_its_index_and_field_and_nothing_is_written(
    client: TestClient, world: Any
) -> None:
    batch = {"events": [_event(1), _event(2, lead_id=999_999), {**_event(3), "occurred_at": "x"}]}
    response = client.post("/api/v1/activities/batch", json=batch, headers=world.headers("admin"))
    assert response.status_code == 422
    fields = [error["field"] for error in response.json()["errors"]]
    assert fields == ["events.2.occurred_at"]  # checked first; the lead lookup comes later
    batch["events"].pop()
    response = client.post("/api/v1/activities/batch", json=batch, headers=world.headers("admin"))
    assert [e["field"] for e in response.json()["errors"]] == ["events.1.lead_id"]
    assert _stored(client) == 0


def test_a_batch_over_the_limit_is_refused_whole(db_url: str, world: Any) -> None:
    app = create_app(load_settings(database_url=db_url, api={"max_batch_events": 2}))
    with TestClient(app) as client:
        events = {"events": [_event(i) for i in range(3)]}
        response = client.post("/api/v1/activities/batch", json=events,
                               headers=world.headers("admin"))  # fmt: skip
        assert response.status_code == 413
        assert "api.max_batch_events" in response.json()["detail"]
        assert response.json()["errors"][0]["field"] == "events"
        assert _stored(client) == 0


def test_a_leads_activities_come_a_page_at_a_time(client: TestClient, world: Any) -> None:
    headers = world.headers("admin")
    batch = {"events": [_event(i) for i in range(5)] + [_event(9, email="other@buyer.test")]}
    client.post("/api/v1/activities/batch", json=batch, headers=headers)
    url = f"/api/v1/leads/{world.rep_lead}/activities"
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(url, params=params, headers=world.headers("sales")).json()
        seen += [item["event_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"ev-{i}" for i in (4, 3, 2, 1, 0)]
    other = client.get(f"/api/v1/leads/{world.other_lead}/activities",
                       headers=world.headers("sales"))  # fmt: skip
    assert other.status_code == 403


def test_concurrent_writers_to_one_lead_lose_nothing(client: TestClient, world: Any) -> None:
    model = parse_model(starter_model_text())
    with transaction(client.app.state.engine) as session:  # type: ignore[attr-defined]
        versions.record_version(session=session, model=model, source=starter_model_text())
        versions.activate(session=session, version=model.version)
    headers = world.headers("marketing")
    start = utcnow() - timedelta(hours=1)

    def pricing_view(i: int) -> dict[str, Any]:
        at = (start + timedelta(seconds=i)).isoformat()
        return _event(i, occurred_at=at, properties={"path": "/pricing"})

    # 8 writers, 10 requests each; writers n and n + 4 send the same events: 40 distinct.
    def post(n: int) -> list[int]:
        codes = []
        for i in range(10):
            event = pricing_view((n % 4) * 10 + i)
            if i % 2:
                batch = {"events": [event, pricing_view((n % 4) * 10 + i - 1)]}
                codes.append(client.post("/api/v1/activities/batch", json=batch,
                                         headers=headers).status_code)  # fmt: skip
            else:
                codes.append(client.post("/api/v1/activities", json=event,
                                         headers=headers).status_code)  # fmt: skip
        return codes

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = [code for result in pool.map(post, range(8)) for code in result]
    assert all(code in (200, 201) for code in codes), codes
    # Each single event was stored by exactly one of the two writers that sent it.
    assert codes.count(201) == 20
    assert _stored(client) == 40
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        record = session.get(ScoreRecord, (world.rep_lead, model.version))
        assert record is not None and record.state is not None
        # Both capped rules are full: pricing 30, any page 10.
        assert record.engagement == 40
        # The saved state counted every pricing view exactly once (the MQL criteria's
        # "3 pricing views within 7 days" tally), whatever order the writers committed in.
        state = decode_state(record.state, model)
        [tally] = [
            t
            for query, t in zip(model.event_queries, state.tallies, strict=True)
            if query.event_type == "page_view"
        ]
        assert tally.count_at(state.watermark_us or 0) == 40
