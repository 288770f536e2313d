"""`POST /leads` and `PATCH /leads/{id}`: upsert by e-mail or external id, profile changes,
unknown fields and conflicts refused with problems naming the field, scores at once."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from leadflow.leads.models import Lead
from leadflow.scoring import versions
from leadflow.scoring.model_file import parse_model, starter_model_text
from leadflow.storage.database import transaction

LEADS = "/api/v1/leads"


def _activate_starter(client: TestClient) -> str:
    model = parse_model(starter_model_text())
    with transaction(client.app.state.engine) as session:  # type: ignore[attr-defined]
        versions.record_version(session=session, model=model, source=starter_model_text())
        versions.activate(session=session, version=model.version)
    return model.version


def _leads(client: TestClient) -> int:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        return session.scalar(select(func.count()).select_from(Lead)) or 0


def test_post_creates_then_updates_and_scores(client: TestClient, world: Any) -> None:
    version = _activate_starter(client)
    headers = world.headers("marketing")
    body = {"email": " VP@BigCo.example ", "seniority": "vp", "country": "US",
            "attributes": {"Plan Tier": "pro", "seats": 40}}  # fmt: skip
    created = client.post(LEADS, json=body, headers=headers)
    assert created.status_code == 201, created.text
    lead = created.json()
    assert (lead["email"], lead["stage"], lead["attributes"]) == (
        "vp@bigco.example", "lead", {"plan_tier": "pro", "seats": 40}
    )  # fmt: skip
    # executive 25 + served country 10; no activity yet.
    assert (lead["fit"], lead["engagement"], lead["grade"], lead["model_version"]) == (
        35, 0, "C4", version
    )  # fmt: skip
    assert lead["explanation"] == [
        {"rule": "executive", "points": 25},
        {"rule": "served_country", "points": 10},
    ]
    updated = client.post(LEADS, json={"email": "vp@bigco.example", "department": "it"},
                          headers=headers)  # fmt: skip
    assert updated.status_code == 200, updated.text
    assert updated.json()["id"] == lead["id"] and updated.json()["fit"] == 45
    assert updated.json()["attributes"]["seats"] == 40
    assert _leads(client) == 4  # the world's three and this one


def test_a_value_of_the_wrong_type_names_the_field(client: TestClient, world: Any) -> None:
    headers = world.headers("admin")
    client.post(LEADS, json={"email": "a@b.example", "attributes": {"seats": 3}}, headers=headers)
    refused = client.post(LEADS, json={"email": "c@b.example", "attributes": {"seats": "many"}},
                          headers=headers)  # fmt: skip
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    [error] = refused.json()["errors"]
    assert error["field"] == "attributes.seats" and error["reason"].startswith("expected a number")
    missing = client.post(LEADS, json={"first_name": "Ann"}, headers=headers)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "email"
    assert _leads(client) == 4


def test_patch_changes_fields_rescores_and_refuses_unknown_fields(
    client: TestClient, world: Any
) -> None:
    _activate_starter(client)
    headers = world.headers("admin")
    url = f"{LEADS}/{world.unowned_lead}"
    changed = client.patch(url, json={"title": "Student", "attributes": {"note": "x"}},
                           headers=headers)  # fmt: skip
    assert changed.status_code == 200, changed.text
    lead = changed.json()
    assert (lead["title"], lead["stage"], lead["disqualified_by"]) == (
        "Student", "disqualified", "student"
    )  # fmt: skip
    unknown = client.patch(url, json={"titel": "CTO"}, headers=headers)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "titel"
    reserved = client.patch(url, json={"attributes": {"stage": "sql"}}, headers=headers)
    assert reserved.status_code == 422
    assert reserved.json()["errors"][0]["field"] == "attributes.stage"


def test_patch_to_another_leads_email_is_a_conflict(client: TestClient, world: Any) -> None:
    response = client.patch(f"{LEADS}/{world.unowned_lead}", json={"email": "own@buyer.test"},
                            headers=world.headers("admin"))  # fmt: skip
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "email"
    missing = client.patch(f"{LEADS}/987654", json={"title": "x"}, headers=world.headers("admin"))
    assert missing.status_code == 404
