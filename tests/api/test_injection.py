"""Injection through the API: SQL metacharacters and fragments in every list filter, sort,
search, report parameter and attribute name are inert (a 422 naming the parameter, or a
literal match), and nothing is changed by them."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from leadflow.leads.models import Lead
from leadflow.scoring.errors import ScoringModelError
from leadflow.scoring.model_file import parse_model, starter_model_text

SQL = ["' OR '1'='1", "x'; DROP TABLE leads; --", '" OR ""="', "1) OR (1=1", "%' --", "\\"]


def _leads(client: TestClient) -> int:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        return session.scalar(select(func.count()).select_from(Lead)) or 0


@pytest.mark.parametrize("fragment", SQL)
def test_sql_in_filters_and_searches_matches_nothing(
    client: TestClient, world: Any, fragment: str
) -> None:
    admin = world.headers("admin")
    before = _leads(client)
    lists = [
        ("/api/v1/leads", {"stage": fragment}),
        ("/api/v1/leads", {"source": fragment, "search": fragment}),
        ("/api/v1/leads", {"search": fragment}),
        ("/api/v1/accounts", {"domain": fragment}),
        ("/api/v1/accounts", {"search": fragment}),
        (f"/api/v1/leads/{world.rep_lead}/activities", {"type": fragment}),
    ]
    for path, params in lists:
        response = client.get(path, params=params, headers=admin)
        assert response.status_code == 200, (path, response.text)
        assert response.json()["items"] == [], (path, params)
    assert _leads(client) == before


@pytest.mark.parametrize("fragment", SQL)
def test_sql_in_sort_keys_and_report_parameters_is_refused_naming_it(
    client: TestClient, world: Any, fragment: str
) -> None:
    admin = world.headers("admin")
    before = _leads(client)
    refused = [
        ("/api/v1/leads", {"sort": f"id{fragment}"}, "sort"),
        ("/api/v1/leads", {"order": fragment}, "order"),
        ("/api/v1/accounts", {"sort": fragment}, "sort"),
        ("/api/v1/leads", {"cursor": fragment}, "cursor"),
        ("/api/v1/reports/sources", {"by": f"source{fragment}"}, "by.0"),
        ("/api/v1/reports/funnel", {"steps": f"mql,{fragment}"}, "steps"),
        ("/api/v1/reports/funnel", {"window": f"1d{fragment}"}, "window"),
        ("/api/v1/reports/attribution", {"model": fragment}, "model"),
        ("/api/v1/audit", {"since": fragment}, "since"),
        (f"/api/v1/reports/{fragment}", {}, "name"),
    ]
    for path, params, field in refused:
        response = client.get(path, params=params, headers=admin)
        assert response.status_code in (404, 422), (path, response.text)
        fields = [error["field"] for error in response.json()["errors"]]
        assert field in fields, (path, params, response.json())
    assert _leads(client) == before


def test_a_known_stage_with_sql_after_it_is_not_a_stage(client: TestClient, world: Any) -> None:
    response = client.get(
        "/api/v1/reports/funnel", params={"steps": "mql,sql"}, headers=world.headers("admin")
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "name",
    ['"x; DROP TABLE leads"', "attributes.`x`", "account.employees; --", '"a\'b"'],
)
def test_sql_in_attribute_names_of_a_model_is_refused_with_a_place(name: str) -> None:
    text = starter_model_text().replace(
        "when: seniority in ['director', 'manager', 'head']", f"when: {name} = 1", 1
    )
    assert text != starter_model_text()
    with pytest.raises(ScoringModelError) as caught:
        parse_model(text, file="model.yaml")
    assert caught.value.line > 1 and caught.value.column >= 1
