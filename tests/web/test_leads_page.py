"""The leads list: the API's filters and keyset pages in HTML, and the same list as CSV."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from tests.web.conftest import WebWorld

from leadflow.analytics.csv_export import spreadsheet_safe
from leadflow.leads.models import Lead
from leadflow.scoring.models import ModelVersion, ScoreRecord
from leadflow.storage.base import utcnow
from leadflow.storage.database import transaction


def _add_leads(app: FastAPI, owner: int) -> list[int]:
    """Nine of the rep's leads: companies c0..c8, grades A1/B2 alternating, fit = 10 * i;
    the first company reads as a spreadsheet formula."""
    with transaction(app.state.engine) as session:
        session.add(ModelVersion(version="v1", name="m", checksum="x", source="", is_active=True))
        leads = [
            Lead(
                email=f"p{i}@corp.test",
                company='=HYPERLINK("http://x")' if i == 0 else f"c{i}",
                owner_id=owner,
                source="ads" if i % 3 else "web",
            )
            for i in range(9)
        ]
        session.add_all(leads)
        session.flush()
        for i, lead in enumerate(leads):
            grade = "A1" if i % 2 == 0 else "B2"
            session.add(
                ScoreRecord(
                    lead_id=lead.id,
                    model_version="v1",
                    fit=10.0 * i - 5,
                    engagement=1.0,
                    fit_band=grade[0],
                    engagement_band=int(grade[1]),
                    grade=grade,
                    is_mql=False,
                    explanation=[],
                    as_of=utcnow(),
                )
            )
        return [lead.id for lead in leads]


def _walk(client: TestClient, query: str) -> list[int]:
    """Lead ids in page order, following each page's "Next page" link to the end."""
    seen: list[int] = []
    url: str | None = f"/leads?{query}"
    while url:
        page = client.get(url)
        assert page.status_code == 200, page.text[:400]
        seen += [int(i) for i in re.findall(r'<th scope="row"><a href="/leads/(\d+)">', page.text)]
        found = re.search(r'<a href="([^"]+)" rel="next">', page.text)
        url = found.group(1).replace("&amp;", "&") if found else None
    return seen


def test_pages_walk_every_match_once_in_order(
    web_app: FastAPI, client_for: Callable[[str], TestClient], web_world: WebWorld
) -> None:
    ids = _add_leads(web_app, web_world.user_ids["sales"])
    rep = client_for("sales")
    assert _walk(rep, "limit=25") == sorted([*ids, web_world.rep_lead])
    assert _walk(rep, "grade=A1&limit=2&sort=company&order=desc") == [
        ids[i] for i in (8, 6, 4, 2, 0)
    ]
    assert _walk(rep, "fit_min=20&fit_max=60&source=ads&limit=2") == [ids[i] for i in (4, 5)]
    assert _walk(rep, "search=P3%40corp") == [ids[3]]
    manager = client_for("manager")
    everyone = _walk(manager, "limit=3")
    assert set(everyone) == {*ids, web_world.rep_lead, web_world.other_lead, web_world.unowned_lead}
    assert _walk(manager, f"owner_id={web_world.user_ids['other-rep']}") == [web_world.other_lead]


def test_bad_filters_are_a_page_naming_them(client_for: Callable[[str], TestClient]) -> None:
    client = client_for("manager")
    for query, named in (
        ("fit_min=lots", "fit_min"),
        ("sort=rank", "sort"),
        ("cursor=bogus", "cursor"),
        ("fit_min=9&fit_max=1", "fit_min"),
        ("shoe_size=9", "shoe_size"),
    ):
        page = client.get(f"/leads?{query}")
        assert page.status_code == 422, query
        assert named in page.text, query


def test_csv_export_is_the_filtered_list_with_formulas_neutralised(
    web_app: FastAPI, client_for: Callable[[str], TestClient], web_world: WebWorld
) -> None:
    ids = _add_leads(web_app, web_world.user_ids["sales"])
    response = client_for("sales").get("/leads.csv?grade=A1&sort=id")
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [int(row["id"]) for row in rows] == [ids[i] for i in (0, 2, 4, 6, 8)]
    assert rows[0]["company"] == '\'=HYPERLINK("http://x")'
    assert rows[0]["fit"] == "-5.0"  # a number, negative, is left as it is
    assert {row["grade"] for row in rows} == {"A1"}
    everything = client_for("manager").get("/leads.csv").text
    assert everything.count("\r\n") == 1 + len(ids) + 3  # header, the nine, the world's three


@given(st.text(max_size=20))
def test_spreadsheet_safe_text_never_starts_a_formula(text: str) -> None:
    safe = spreadsheet_safe(text)
    assert not safe.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert safe.removeprefix("'") == text or safe == text
    assert spreadsheet_safe(-3.5) == -3.5
