"""The scoring model over HTTP: read versions, validate with line and column, record and
activate (which rescores every lead before answering)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from leadflow.scoring.model_file import starter_model_text
from leadflow.scoring.models import ScoreRecord

STARTER = starter_model_text()
# The starter's first fit rule condition is on line 24, after `    when: ` (10 characters).
MISSPELT = STARTER.replace("when: seniority in", "when: senority in", 1)


def _v2(text: str = STARTER) -> str:
    return text.replace('version: "1"', 'version: "2"', 1)


def _admin(world: Any) -> dict[str, str]:
    return world.headers("admin")


def test_no_model_is_active_before_one_is_activated(client: TestClient, world: Any) -> None:
    response = client.get("/api/v1/model", headers=world.headers("sales"))
    assert response.status_code == 404, response.text
    assert "no active scoring model" in response.json()["detail"]
    listed = client.get("/api/v1/model/versions", headers=world.headers("sales"))
    assert listed.json() == []


def test_a_valid_model_is_described_and_nothing_is_recorded(client: TestClient, world: Any) -> None:
    response = client.post(
        "/api/v1/model/validate", json={"text": STARTER}, headers=world.headers("marketing")
    )
    assert response.status_code == 200, response.text
    check = response.json()
    assert (check["valid"], check["name"], check["version"], check["errors"]) == (
        True,
        "B2B SaaS starter",
        "1",
        [],
    )
    assert check["fit_rules"] == STARTER.split("engagement_rules:")[0].count("- name:")
    assert client.get("/api/v1/model/versions", headers=_admin(world)).json() == []


@pytest.mark.parametrize(
    ("text", "line", "column", "reason"),
    [
        (MISSPELT, 24, 11, "unknown attribute 'senority'"),
        ("name: a\x01", 1, 8, "character #x0001 is not allowed"),
        ("name: x\nversion: [1,\n", 3, 1, "invalid YAML"),
        ("[" * 5_000, 1, 1, "nested too deeply"),
        ("", 1, 1, "the file is empty"),
    ],
)
def test_a_wrong_model_is_answered_with_line_and_column(
    client: TestClient, world: Any, text: str, line: int, column: int, reason: str
) -> None:
    response = client.post(
        "/api/v1/model/validate", json={"text": text or " "}, headers=world.headers("sales")
    )
    assert response.status_code == 200, response.text
    check = response.json()
    assert check["valid"] is False
    [problem] = check["errors"]
    assert (problem["line"], problem["column"]) == (line, column)
    assert reason in problem["reason"]


def test_an_admin_records_and_activates_a_version_which_rescores_everyone(
    client: TestClient, world: Any, app: Any
) -> None:
    response = client.post(
        "/api/v1/model/versions", json={"text": STARTER, "activate": True}, headers=_admin(world)
    )
    assert response.status_code == 201, response.text
    change = response.json()
    assert (change["model"]["version"], change["model"]["active"]) == ("1", True)
    assert change["model"]["source_file"] == "api: admin@acme.test"
    assert change["model"]["activated_at"] is not None
    # The world has three leads (own, another rep's, unowned), each scored once.
    assert (change["rescore"]["model_version"], change["rescore"]["leads_scored"]) == ("1", 3)
    with app.state.sessions() as session:
        scored = session.scalars(select(ScoreRecord.lead_id).order_by(ScoreRecord.lead_id)).all()
    assert list(scored) == sorted([world.rep_lead, world.other_lead, world.unowned_lead])

    active = client.get("/api/v1/model", headers=world.headers("sales")).json()
    assert (active["version"], active["text"]) == ("1", STARTER)


def test_a_recorded_version_is_activated_later_and_the_old_one_kept(
    client: TestClient, world: Any
) -> None:
    for text, activate in [(STARTER, True), (_v2(), False)]:
        response = client.post(
            "/api/v1/model/versions",
            json={"text": text, "activate": activate},
            headers=_admin(world),
        )
        assert response.status_code == 201, response.text
    assert response.json()["rescore"] is None
    assert client.get("/api/v1/model", headers=_admin(world)).json()["version"] == "1"

    response = client.post("/api/v1/model/versions/2/activate", headers=_admin(world))
    assert response.status_code == 200, response.text
    assert response.json()["rescore"]["leads_scored"] == 3
    listed = client.get("/api/v1/model/versions", headers=_admin(world)).json()
    assert {v["version"]: v["active"] for v in listed} == {"1": False, "2": True}
    assert all("text" not in v for v in listed)
    one = client.get("/api/v1/model/versions/1", headers=world.headers("marketing")).json()
    assert one["text"] == STARTER


def test_recording_the_same_text_again_changes_nothing(client: TestClient, world: Any) -> None:
    for _ in range(2):
        response = client.post(
            "/api/v1/model/versions", json={"text": STARTER}, headers=_admin(world)
        )
        assert response.status_code == 201, response.text
    assert len(client.get("/api/v1/model/versions", headers=_admin(world)).json()) == 1


def test_other_rules_under_a_recorded_version_are_refused(client: TestClient, world: Any) -> None:
    client.post("/api/v1/model/versions", json={"text": STARTER}, headers=_admin(world))
    changed = STARTER.replace("points: 25", "points: 30", 1)
    response = client.post("/api/v1/model/versions", json={"text": changed}, headers=_admin(world))
    assert response.status_code == 422, response.text
    assert "give the changed file a new `version`" in response.json()["detail"]


def test_recording_a_wrong_model_is_422_naming_text_with_line_and_column(
    client: TestClient, world: Any
) -> None:
    response = client.post(
        "/api/v1/model/versions", json={"text": MISSPELT, "activate": True}, headers=_admin(world)
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["errors"][0]["field"] == "text"
    assert body["detail"].startswith("text:24:11: unknown attribute 'senority'")
    assert client.get("/api/v1/model/versions", headers=_admin(world)).json() == []


def test_activating_an_unknown_version_is_404_listing_the_known(
    client: TestClient, world: Any
) -> None:
    client.post("/api/v1/model/versions", json={"text": STARTER}, headers=_admin(world))
    response = client.post("/api/v1/model/versions/9/activate", headers=_admin(world))
    assert response.status_code == 404, response.text
    assert "no scoring model version '9' (recorded: 1)" in response.json()["detail"]


def test_only_admins_change_the_model(client: TestClient, world: Any) -> None:
    for role in ("marketing", "manager", "sales"):
        response = client.post(
            "/api/v1/model/versions", json={"text": STARTER}, headers=world.headers(role)
        )
        assert response.status_code == 403, response.text
    assert client.get("/api/v1/model/versions", headers=_admin(world)).json() == []
