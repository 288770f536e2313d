"""Cursor pagination: a walk sees every lead exactly once, whatever the sort, ties, NULLs
and inserts made while it walks."""

from __future__ import annotations

import base64
import itertools
import json
import random
import threading
from datetime import UTC, datetime
from typing import Any, get_args

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from leadflow.api.leads_query import LeadSort
from leadflow.leads.models import Lead
from leadflow.leads.service import SORTABLE
from leadflow.storage.database import transaction

TIMES = [datetime(2026, 1, day, 9, 0, tzinfo=UTC) for day in (1, 2, 3)]
_serial = itertools.count()

lead_values = st.fixed_dictionaries(
    {
        "has_email": st.booleans(),
        "stage": st.sampled_from(["lead", "mql", "sal"]),
        "source": st.none() | st.sampled_from(["ads", "web"]),
        "country": st.none() | st.sampled_from(["DE", "FR"]),
        "company": st.none() | st.sampled_from(["Acme", "Beta"]),
        "created_at": st.sampled_from(TIMES),
        "updated_at": st.sampled_from(TIMES),
    }
)


def _random_values(rng: random.Random) -> dict[str, Any]:
    """Lead values like `lead_values` draws, for tests that are not property tests."""
    return {
        "has_email": rng.random() < 0.8,
        "stage": rng.choice(["lead", "mql", "sal"]),
        "source": rng.choice([None, "ads", "web"]),
        "country": rng.choice([None, "DE", "FR"]),
        "company": rng.choice([None, "Acme", "Beta"]),
        "created_at": rng.choice(TIMES),
        "updated_at": rng.choice(TIMES),
    }


def _lead(values: dict[str, Any]) -> Lead:
    fields = dict(values)
    email = f"p{next(_serial):06d}@buyer.test" if fields.pop("has_email") else None
    return Lead(email=email, **fields)


def _insert(client: TestClient, rows: list[dict[str, Any]]) -> None:
    with transaction(client.app.state.engine) as session:  # type: ignore[attr-defined]
        session.add_all([_lead(values) for values in rows])


def _all_ids(client: TestClient) -> set[int]:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        return set(session.scalars(select(Lead.id)))


def _walk(
    client: TestClient, headers: dict[str, str], params: dict[str, Any], between: Any = None
) -> list[int]:
    seen: list[int] = []
    cursor = None
    for page in itertools.count():
        if between is not None:
            between(page)
        response = client.get(
            "/api/v1/leads",
            params={**params, **({"cursor": cursor} if cursor else {})},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= params["limit"]
        seen += [lead["id"] for lead in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("unreachable")


def test_lead_sort_names_match_the_service() -> None:
    assert get_args(LeadSort) == SORTABLE


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    sort=st.sampled_from(SORTABLE),
    order=st.sampled_from(["asc", "desc"]),
    limit=st.integers(1, 6),
    initial=st.lists(lead_values, max_size=20),
    inserts=st.lists(st.lists(lead_values, max_size=3), max_size=8),
)
def test_a_walk_sees_every_lead_once_while_leads_are_inserted(
    client: TestClient,
    world: Any,
    sort: str,
    order: str,
    limit: int,
    initial: list[dict[str, Any]],
    inserts: list[list[dict[str, Any]]],
) -> None:
    with transaction(client.app.state.engine) as session:  # type: ignore[attr-defined]
        session.execute(delete(Lead))
    _insert(client, initial)
    before = _all_ids(client)

    def insert_some(page: int) -> None:
        if page < len(inserts):
            _insert(client, inserts[page])

    params = {"sort": sort, "order": order, "limit": limit}
    seen = _walk(client, world.headers("admin"), params, between=insert_some)
    assert len(seen) == len(set(seen)), "a lead came twice"
    assert before <= set(seen), "a lead that was there all along was skipped"


def test_a_walk_with_a_writer_running_beside_it(client: TestClient, world: Any) -> None:
    rng = random.Random(7)
    _insert(client, [_random_values(rng) for _ in range(60)])
    before = _all_ids(client)
    stop = threading.Event()

    def writer() -> None:
        # Bounded: an endless writer can outpace the walk and keep it from ever ending.
        for _ in range(40):
            if stop.is_set():
                return
            _insert(client, [_random_values(rng) for _ in range(rng.randint(1, 3))])

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        seen = _walk(
            client, world.headers("admin"), {"sort": "company", "order": "desc", "limit": 7}
        )
    finally:
        stop.set()
        thread.join()
    assert len(seen) == len(set(seen))
    assert before <= set(seen)


def test_pages_follow_the_sort_with_nulls_last(client: TestClient, world: Any) -> None:
    with transaction(client.app.state.engine) as session:  # type: ignore[attr-defined]
        session.execute(delete(Lead))
    _insert(
        client,
        [
            {**_random_values(random.Random(i)), "source": source}
            for i, source in enumerate(["web", None, "ads", "web", None, "ads"])
        ],
    )
    admin = world.headers("admin")
    for order, expected in (
        ("asc", ["ads", "ads", "web", "web"]),
        ("desc", ["web", "web", "ads", "ads"]),
    ):
        response = client.get(
            "/api/v1/leads", params={"sort": "source", "order": order, "limit": 100}, headers=admin
        )
        sources = [lead["source"] for lead in response.json()["items"]]
        assert sources == [*expected, None, None]


def test_a_cursor_works_only_with_its_own_sort(client: TestClient, world: Any) -> None:
    admin = world.headers("admin")
    first = client.get("/api/v1/leads", params={"sort": "email", "limit": 1}, headers=admin)
    cursor = first.json()["next_cursor"]
    other = client.get(
        "/api/v1/leads", params={"sort": "email", "order": "desc", "cursor": cursor}, headers=admin
    )
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "cursor"
    assert "sort=email&order=asc" in other.json()["errors"][0]["reason"]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text()
    | st.datetimes(timezones=st.timezones()).map(datetime.isoformat),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=4,
)


def _forged(sort: str, value: Any, row_id: Any) -> str:
    raw = json.dumps([sort, False, value, row_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sort=st.sampled_from(SORTABLE),
    cursor=st.text(min_size=1, max_size=60) | st.tuples(json_values, st.integers() | json_values),
)
def test_any_cursor_is_a_page_or_a_422(
    client: TestClient, world: Any, sort: str, cursor: Any
) -> None:
    text = cursor if isinstance(cursor, str) else _forged(sort, *cursor)
    response = client.get(
        "/api/v1/leads", params={"sort": sort, "cursor": text}, headers=world.headers("admin")
    )
    assert response.status_code in (200, 422), response.text


def test_filters_and_search_narrow_the_list(client: TestClient, world: Any) -> None:
    admin = world.headers("admin")
    by_owner = client.get(
        "/api/v1/leads", params={"owner_id": world.user_ids["other-rep"]}, headers=admin
    )
    assert [lead["email"] for lead in by_owner.json()["items"]] == ["other@buyer.test"]
    found = client.get("/api/v1/leads", params={"search": "NOBODY"}, headers=admin)
    assert [lead["email"] for lead in found.json()["items"]] == ["nobody@buyer.test"]
    accounts = client.get("/api/v1/accounts", params={"search": "acme"}, headers=admin)
    assert [account["domain"] for account in accounts.json()["items"]] == ["acme.test"]
