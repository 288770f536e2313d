"""`GET /leads` by the active score: grade cell and fit/engagement ranges, with the cursor."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from leadflow.scoring.models import ModelVersion, ScoreRecord
from leadflow.storage.database import transaction

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _score(lead_id: int, version: str, grade: str, fit: float, engagement: float) -> ScoreRecord:
    return ScoreRecord(
        lead_id=lead_id,
        model_version=version,
        fit=fit,
        engagement=engagement,
        fit_band=grade[0],
        engagement_band=int(grade[1]),
        grade=grade,
        is_mql=False,
        explanation=[],
        as_of=NOW,
    )


def _scored(client: TestClient, world: Any) -> None:
    # The rep's lead A1 (fit 40, engagement 30), the other rep's B2 (20, 10), the unowned
    # lead unscored under the active model; an old model that graded everything A1.
    with transaction(client.app.state.engine) as session:  # type: ignore[attr-defined]
        for version, active in (("old", False), ("new", True)):
            session.add(
                ModelVersion(
                    version=version, name="m", checksum=version, source="", is_active=active
                )
            )
        session.flush()
        session.add_all(
            [
                _score(world.rep_lead, "new", "A1", 40, 30),
                _score(world.other_lead, "new", "B2", 20, 10),
                *(
                    _score(lead, "old", "A1", 99, 99)
                    for lead in (world.other_lead, world.unowned_lead)
                ),
            ]
        )


def _ids(client: TestClient, world: Any, role: str = "admin", **params: Any) -> list[int]:
    seen: list[int] = []
    cursor = None
    while True:
        page = client.get(
            "/api/v1/leads",
            params={**params, "limit": 1, **({"cursor": cursor} if cursor else {})},
            headers=world.headers(role),
        )
        assert page.status_code == 200, page.text
        seen += [lead["id"] for lead in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return seen


def test_grade_and_ranges_use_the_active_model_only(client: TestClient, world: Any) -> None:
    _scored(client, world)
    assert _ids(client, world, grade="A1") == [world.rep_lead]
    assert _ids(client, world, grade="B2") == [world.other_lead]
    assert _ids(client, world, fit_min=20) == sorted([world.rep_lead, world.other_lead])
    # Bounds are inclusive on both ends.
    assert _ids(client, world, fit_min=20, fit_max=20) == [world.other_lead]
    assert _ids(client, world, engagement_min=10.5) == [world.rep_lead]
    assert _ids(client, world, engagement_max=50, grade="B2", sort="email") == [world.other_lead]
    assert _ids(client, world, fit_min=100) == []


def test_a_rep_filters_within_their_own_leads(client: TestClient, world: Any) -> None:
    _scored(client, world)
    assert _ids(client, world, "sales", fit_min=0) == [world.rep_lead]
    assert _ids(client, world, "sales", grade="B2") == []


def test_bad_score_filters_name_the_parameter(client: TestClient, world: Any) -> None:
    headers = world.headers("admin")
    upside_down = client.get("/api/v1/leads?fit_min=5&fit_max=1", headers=headers)
    assert upside_down.status_code == 422
    assert "fit_min 5.0 is above fit_max 1.0" in upside_down.text
    for query in ("grade=A1%27--", "fit_min=nan", "engagement_max=1e99", "grade="):
        response = client.get(f"/api/v1/leads?{query}", headers=headers)
        assert response.status_code == 422, query
        assert query.split("=")[0] in response.text
