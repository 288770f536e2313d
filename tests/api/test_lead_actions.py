"""Stage actions over HTTP: the whole way from MQL to won with the actor in every history
row, and every refusal as a problem body (409 illegal move, 422 reason or evidence, 403)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from leadflow.activities.models import Activity
from leadflow.api.app import create_app
from leadflow.config import load_settings
from leadflow.leads.models import Lead
from leadflow.lifecycle.models import StageChange
from leadflow.storage.database import transaction

BANT = {
    "need": "reports take a week by hand",
    "budget": "20k this year",
    "authority": "the VP Sales signs",
    "timeline": "decides in Q3",
}


@pytest.fixture
def app(db_url: str) -> FastAPI:
    """The API without routing, so a handed-off lead keeps the owner the world gave it."""
    return create_app(load_settings(database_url=db_url, routing={"enabled": False}))


def _post(client: TestClient, world: Any, role: str, lead: int, action: str, body: Any = None):
    return client.post(f"/api/v1/leads/{lead}/{action}", json=body, headers=world.headers(role))


def _put_in_stage(app: FastAPI, lead_id: int, stage: str) -> None:
    with transaction(app.state.engine) as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None
        lead.stage = stage


def _stage_and_changes(app: FastAPI, lead_id: int) -> tuple[str, int]:
    with transaction(app.state.engine) as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None
        changes = session.scalar(
            select(func.count()).select_from(StageChange).where(StageChange.lead_id == lead_id)
        )
        return lead.stage, changes or 0


def test_a_lead_goes_from_mql_to_won_with_the_actor_in_every_history_row(
    client: TestClient, world: Any
) -> None:
    lead = world.rep_lead
    steps = [
        ("marketing", "handoff", None, "mql"),
        ("sales", "accept", None, "sal"),
        ("sales", "qualify", BANT, "sql"),
        ("sales", "opportunity", {"amount": 24_000, "currency": "eur"}, "opportunity"),
        ("manager", "won", None, "customer"),
    ]
    for role, action, body, stage in steps:
        response = _post(client, world, role, lead, action, body)
        assert response.status_code == 200, response.text
        moved = response.json()
        assert (moved["lead_id"], moved["stage"], moved["change"]["to_stage"]) == (
            lead,
            stage,
            stage,
        )
        assert moved["change"]["actor"] == f"{role}@acme.test"
        assert moved["owner_id"] == world.user_ids["sales"]

    history = client.get(f"/api/v1/leads/{lead}/history", headers=world.headers("sales"))
    assert history.status_code == 200, history.text
    rows = history.json()
    assert [(r["from_stage"], r["to_stage"], r["actor"]) for r in rows] == [
        ("lead", "mql", "marketing@acme.test"),
        ("mql", "sal", "sales@acme.test"),
        ("sal", "sql", "sales@acme.test"),
        ("sql", "opportunity", "sales@acme.test"),
        ("opportunity", "customer", "manager@acme.test"),
    ]
    assert {r["actor_type"] for r in rows} == {"user"}
    assert rows[2]["evidence"] == BANT
    assert all(r["cycle"] == 1 for r in rows)


def test_an_opportunity_carries_its_amount_and_currency(client: TestClient, world: Any) -> None:
    _put_in_stage(client.app, world.rep_lead, "sql")  # type: ignore[arg-type]
    response = _post(client, world, "sales", world.rep_lead, "opportunity", {"amount": 1500.5})
    assert response.status_code == 200, response.text
    opportunity = response.json()["opportunity"]
    assert (opportunity["amount"], opportunity["currency"], opportunity["status"]) == (
        1500.5,
        "USD",
        "open",
    )


def test_an_illegal_move_is_409_naming_the_stage_and_the_allowed_moves(
    client: TestClient, world: Any
) -> None:
    response = _post(client, world, "sales", world.rep_lead, "accept")
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert f"lead {world.rep_lead} is in stage 'lead'" in detail
    assert "allowed from 'lead': mql (-> mql), disqualify (-> disqualified)" in detail
    assert _stage_and_changes(client.app, world.rep_lead) == ("lead", 0)  # type: ignore[arg-type]


def test_nothing_moves_out_of_a_final_stage(client: TestClient, world: Any) -> None:
    _put_in_stage(client.app, world.rep_lead, "customer")  # type: ignore[arg-type]
    response = _post(client, world, "sales", world.rep_lead, "lost", {"reason": "price"})
    assert response.status_code == 409, response.text
    assert "'customer' is final: no move is allowed from it" in response.json()["detail"]


@pytest.mark.parametrize(
    ("stage", "action", "allowed"),
    [
        ("mql", "reject", "not_ready, no_budget_now, wrong_person, no_response, bad_timing"),
        ("sal", "disqualify", "student, competitor, no_fit, duplicate, junk, job_seeker"),
        ("opportunity", "lost", "price, competitor, no_decision, timing, product_fit"),
    ],
)
def test_a_reason_not_configured_is_422_naming_reason_and_the_allowed_values(
    client: TestClient, world: Any, stage: str, action: str, allowed: str
) -> None:
    _put_in_stage(client.app, world.rep_lead, stage)  # type: ignore[arg-type]
    response = _post(client, world, "sales", world.rep_lead, action, {"reason": "bored"})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["errors"][0]["field"] == "reason"
    assert "'bored' is not a configured reason" in body["detail"]
    assert allowed in body["detail"]
    assert _stage_and_changes(client.app, world.rep_lead) == (stage, 0)  # type: ignore[arg-type]


def test_a_missing_reason_is_422_naming_it(client: TestClient, world: Any) -> None:
    _put_in_stage(client.app, world.rep_lead, "mql")  # type: ignore[arg-type]
    response = _post(client, world, "sales", world.rep_lead, "reject", {})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "reason"


def test_qualifying_without_the_required_evidence_is_422_naming_evidence(
    client: TestClient, world: Any
) -> None:
    _put_in_stage(client.app, world.rep_lead, "sal")  # type: ignore[arg-type]
    partial = {"need": "yes", "authority": "CFO", "timeline": "  "}
    response = _post(client, world, "sales", world.rep_lead, "qualify", partial)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["errors"][0]["field"] == "evidence"
    assert "missing budget, timeline" in body["detail"]
    assert _stage_and_changes(client.app, world.rep_lead) == ("sal", 0)  # type: ignore[arg-type]


@pytest.mark.parametrize("amount", [0, -5, "12", True, None])
def test_an_opportunity_needs_a_positive_amount(
    client: TestClient, world: Any, amount: Any
) -> None:
    _put_in_stage(client.app, world.rep_lead, "sql")  # type: ignore[arg-type]
    response = _post(client, world, "sales", world.rep_lead, "opportunity", {"amount": amount})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "amount"


def test_marketing_may_not_accept_and_nothing_changes(client: TestClient, world: Any) -> None:
    _put_in_stage(client.app, world.rep_lead, "mql")  # type: ignore[arg-type]
    response = _post(client, world, "marketing", world.rep_lead, "accept")
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "marketing@acme.test (marketing) may not accept" in response.json()["detail"]
    assert _stage_and_changes(client.app, world.rep_lead) == ("mql", 0)  # type: ignore[arg-type]


def test_marketing_disqualifies_junk_but_not_a_lead_sales_holds(
    client: TestClient, world: Any
) -> None:
    junk = _post(client, world, "marketing", world.unowned_lead, "disqualify", {"reason": "junk"})
    assert junk.status_code == 200, junk.text
    assert junk.json()["change"]["reason"] == "junk"
    _put_in_stage(client.app, world.rep_lead, "sal")  # type: ignore[arg-type]
    held = _post(client, world, "marketing", world.rep_lead, "disqualify", {"reason": "junk"})
    assert held.status_code == 403, held.text


def test_a_rep_may_not_act_on_another_reps_lead(client: TestClient, world: Any) -> None:
    _put_in_stage(client.app, world.other_lead, "mql")  # type: ignore[arg-type]
    response = _post(client, world, "sales", world.other_lead, "accept")
    assert response.status_code == 403, response.text
    assert response.json()["errors"][0]["field"] == "lead_id"
    assert _stage_and_changes(client.app, world.other_lead) == ("mql", 0)  # type: ignore[arg-type]


def test_a_recycled_lead_qualifies_again_in_a_new_cycle(client: TestClient, world: Any) -> None:
    _put_in_stage(client.app, world.rep_lead, "sal")  # type: ignore[arg-type]
    recycled = _post(client, world, "sales", world.rep_lead, "reject", {"reason": "no_response"})
    assert recycled.status_code == 200, recycled.text
    assert (recycled.json()["stage"], recycled.json()["cycle"]) == ("nurture", 1)
    again = _post(client, world, "marketing", world.rep_lead, "handoff")
    assert again.status_code == 200, again.text
    assert (again.json()["stage"], again.json()["cycle"]) == ("mql", 2)


def test_an_unknown_lead_is_404(client: TestClient, world: Any) -> None:
    response = _post(client, world, "admin", 987_654, "won")
    assert response.status_code == 404, response.text
    assert response.json()["errors"][0]["field"] == "lead_id"


def test_the_brief_shows_what_marketing_knows(client: TestClient, world: Any) -> None:
    with transaction(client.app.state.engine) as session:  # type: ignore[attr-defined]
        lead = session.get(Lead, world.rep_lead)
        assert lead is not None
        lead.source, lead.campaign, lead.company = "webinar", "q2-launch", "Acme"
        session.add_all(
            [
                Activity(
                    event_id=f"e{n}",
                    lead_id=lead.id,
                    type=kind,
                    occurred_at=datetime(2026, 5, n, 9, tzinfo=UTC),
                    properties=props,
                )
                for n, kind, props in [
                    (1, "content_download", {"title": "ROI guide"}),
                    (2, "page_view", {"url": "https://acme.test/pricing"}),
                    (3, "page_view", {"url": "https://acme.test/blog"}),
                ]
            ]
        )
    response = client.get(f"/api/v1/leads/{world.rep_lead}/brief", headers=world.headers("sales"))
    assert response.status_code == 200, response.text
    brief = response.json()
    assert brief["lead"]["email"] == "own@buyer.test"
    assert brief["account"]["domain"] == "acme.test"
    assert brief["acquisition"] == {"source": "webinar", "medium": None, "campaign": "q2-launch"}
    assert [a["type"] for a in brief["last_activities"]] == [
        "page_view",
        "page_view",
        "content_download",
    ]
    # Content: downloads and pricing views, newest first; the blog view is not content.
    assert [a["title"] for a in brief["content_consumed"]] == [
        "https://acme.test/pricing",
        "ROI guide",
    ]
    assert brief["score"] is None
