"""Every content page answers each role as the menu says, and a rep reaches only own leads."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.web.conftest import WebWorld

from leadflow.leads.models import Lead
from leadflow.storage.database import transaction

EVERYONE = {"admin", "marketing", "manager", "sales"}
NOT_SALES = {"admin", "marketing", "manager"}
PAGES = {
    "/": EVERYONE,
    "/sources": NOT_SALES,
    "/leads": EVERYONE,
    "/leads.csv": EVERYONE,
    "/queue": {"sales"},
    "/scoring": NOT_SALES,
}


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_each_page_is_open_to_its_roles_only(
    client_for: Callable[[str], TestClient], role: str
) -> None:
    client = client_for(role)
    for path, roles in PAGES.items():
        response = client.get(path)
        expected = 200 if role in roles else 403
        assert response.status_code == expected, (path, role, response.text[:500])
        if expected == 403:
            assert "this page is for" in response.text


def test_pages_need_a_login(web_app: FastAPI) -> None:
    client = TestClient(web_app)
    for path in [*PAGES, "/leads/1"]:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=")


def test_a_rep_opens_own_leads_only(
    client_for: Callable[[str], TestClient], web_world: WebWorld
) -> None:
    rep = client_for("sales")
    own = rep.get(f"/leads/{web_world.rep_lead}")
    assert own.status_code == 200 and "own@buyer.test" in own.text
    for lead in (web_world.other_lead, web_world.unowned_lead):
        refused = rep.get(f"/leads/{lead}")
        assert refused.status_code == 403 and "not yours" in refused.text
        assert "other@buyer.test" not in refused.text
    assert rep.get("/leads/987654").status_code == 404
    listed = rep.get("/leads").text
    assert "own@buyer.test" in listed
    assert "other@buyer.test" not in listed and "nobody@buyer.test" not in listed
    manager = client_for("manager")
    for lead in (web_world.rep_lead, web_world.other_lead, web_world.unowned_lead):
        assert manager.get(f"/leads/{lead}").status_code == 200


def test_a_lead_named_like_a_script_is_shown_as_text(
    web_app: FastAPI, client_for: Callable[[str], TestClient], web_world: WebWorld
) -> None:
    with transaction(web_app.state.engine) as session:
        lead = session.get(Lead, web_world.rep_lead)
        assert lead is not None
        lead.first_name = "<script>alert(1)</script>"
        lead.company = '"><img src=x onerror=alert(2)>'
    client = client_for("sales")
    for path in (f"/leads/{web_world.rep_lead}", "/leads"):
        html = client.get(path).text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<script>alert(1)" not in html
        assert "<img src=x" not in html
