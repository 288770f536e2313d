"""SLA clocks over HTTP: timers by status and owner, soonest due first, a rep sees its own;
an admin runs one sweep that breaches what is overdue, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from leadflow.leads.models import Lead
from leadflow.sla.models import SlaTimer, TimerStatus
from leadflow.storage.database import transaction


def _timers(client: TestClient, world: Any, *specs: tuple[int, timedelta, str]) -> list[int]:
    """Timers (lead, due from now, status) on leads in mql; their ids."""
    now = datetime.now(UTC)
    with transaction(client.app.state.engine) as session:  # type: ignore[attr-defined]
        rows = []
        for lead_id, due_in, status in specs:
            lead = session.get(Lead, lead_id)
            assert lead is not None
            lead.stage = "mql"
            rows.append(
                SlaTimer(
                    lead_id=lead_id,
                    stage="mql",
                    owner_id=lead.owner_id,
                    started_at=now - timedelta(days=1),
                    due_at=now + due_in,
                    status=status,
                )
            )
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def _ids(client: TestClient, world: Any, role: str, **params: Any) -> list[int]:
    response = client.get("/api/v1/sla/timers", params=params, headers=world.headers(role))
    assert response.status_code == 200, response.text
    return [timer["id"] for timer in response.json()["items"]]


def test_timers_are_listed_by_status_and_owner_soonest_due_first(
    client: TestClient, world: Any
) -> None:
    hour = timedelta(hours=1)
    late, own, other, unowned, breached = _timers(
        client,
        world,
        (world.other_lead, -hour, TimerStatus.OPEN),
        (world.rep_lead, 2 * hour, TimerStatus.OPEN),
        (world.other_lead, hour, TimerStatus.OPEN),
        (world.unowned_lead, 3 * hour, TimerStatus.OPEN),
        (world.rep_lead, -2 * hour, TimerStatus.BREACHED),
    )
    assert _ids(client, world, "manager") == [late, other, own, unowned]
    assert _ids(client, world, "admin", owner_id=world.user_ids["other-rep"]) == [late, other]
    assert _ids(client, world, "marketing", status="breached") == [breached]
    assert _ids(client, world, "admin", lead_id=world.unowned_lead) == [unowned]
    # A rep sees its own leads' timers only, whatever it asks for.
    assert _ids(client, world, "sales") == [own]
    assert _ids(client, world, "sales", owner_id=world.user_ids["other-rep"]) == []

    page = client.get("/api/v1/sla/timers?limit=1", headers=world.headers("admin")).json()
    first = page["items"][0]
    assert (first["id"], first["overdue"], first["status"]) == (late, True, "open")
    rest = client.get(
        "/api/v1/sla/timers",
        params={"limit": 3, "cursor": page["next_cursor"]},
        headers=world.headers("admin"),
    ).json()
    assert [t["id"] for t in rest["items"]] == [other, own, unowned]
    assert [t["overdue"] for t in rest["items"]] == [False, False, False]


def test_a_bad_status_is_422_naming_it(client: TestClient, world: Any) -> None:
    response = client.get("/api/v1/sla/timers?status=late", headers=world.headers("admin"))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "status"


def test_a_handoff_starts_a_clock_the_timers_show(client: TestClient, world: Any) -> None:
    response = client.post(
        f"/api/v1/leads/{world.unowned_lead}/handoff", headers=world.headers("marketing")
    )
    assert response.status_code == 200, response.text
    [timer] = client.get("/api/v1/sla/timers", headers=world.headers("admin")).json()["items"]
    assert (timer["lead_id"], timer["stage"], timer["status"]) == (
        world.unowned_lead,
        "mql",
        "open",
    )
    assert timer["due_at"] > timer["started_at"]


def test_a_sweep_breaches_what_is_overdue_once(client: TestClient, world: Any) -> None:
    hour = timedelta(hours=1)
    overdue, running = _timers(
        client,
        world,
        (world.rep_lead, -hour, TimerStatus.OPEN),
        (world.other_lead, hour, TimerStatus.OPEN),
    )
    admin = world.headers("admin")
    response = client.post("/api/v1/sla/sweep", headers=admin)
    assert response.status_code == 200, response.text
    sweep = response.json()
    assert (sweep["claimed"], sweep["breached"], sweep["timer_ids"]) == (1, 1, [overdue])
    assert sum(sweep["outcomes"].values()) == 1
    assert overdue in _ids(client, world, "admin", status="breached")
    assert running in _ids(client, world, "admin")
    again = client.post("/api/v1/sla/sweep", headers=admin).json()
    assert (again["claimed"], again["timer_ids"]) == (0, [])
