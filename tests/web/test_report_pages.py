"""Overview, sources and scoring pages on the analytics tests' small world (tests/analytics/
conftest.py), whose report answers are worked out by hand there."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.analytics.conftest import add_rows, at, build_world
from tests.web.conftest import log_in_client

from leadflow.scoring.models import ModelVersion
from leadflow.storage.database import transaction
from leadflow.users import passwords
from leadflow.users.models import Role, User

JANUARY = "from=2026-01-01&to=2026-01-31"


@pytest.fixture
def manager(web_app: FastAPI) -> Iterator[TestClient]:
    """A manager logged in over the small world."""
    build_world(web_app.state.engine)
    with transaction(web_app.state.engine) as session:
        # An id of its own: the world wrote user 1 past PostgreSQL's id sequence.
        user = User(id=100, email="boss@x.test", name="Boss", role=Role.MANAGER)
        session.add(user)
        session.flush()
        passwords.set_password(session=session, user=user, password="a long enough password")
    client = TestClient(web_app)
    assert log_in_client(client, "boss@x.test", "a long enough password").status_code == 303
    yield client


def _kpis(html: str) -> dict[str, str]:
    pairs = re.findall(r"<dt>([^<]+)</dt><dd class=\"value\">([^<]+)</dd>", html)
    return dict(pairs)


def _chart(html: str, name: str) -> dict[str, object]:
    found = re.search(rf"<canvas id=\"chart-{name}\" data-chart='([^']*)'", html)
    assert found, name
    return json.loads(unescape(found.group(1)))  # type: ignore[no-any-return]


def test_overview_figures_are_the_reports_figures(web_app: FastAPI, manager: TestClient) -> None:
    page = manager.get(f"/?{JANUARY}")
    assert page.status_code == 200
    # Of conftest's world: 4 leads created; 4 mql entries (L2 twice), 2 reached sal and sql;
    # L1's 1,000.00 won; SLA: one met, one breached (the open one is not judged).
    assert _kpis(page.text) == {
        "New leads": "4",
        "MQLs": "4",
        "SALs": "2",
        "SQLs": "2",
        "Won revenue": "1,000.00",
        "MQL to SQL": "50.0%",
        "SLA met": "50.0%",
    }
    funnel = _chart(page.text, "funnel")
    assert funnel["labels"] == ["mql", "sal", "sql", "opportunity", "customer"]
    assert funnel["datasets"][0]["data"] == [4, 2, 2, 1, 1]  # type: ignore[index]
    weekly = _chart(page.text, "weekly")
    assert weekly["labels"] == ["2025-12-29", "2026-01-19"]
    assert weekly["datasets"][0]["data"] == [3, 1]  # type: ignore[index]
    cost = _chart(page.text, "cost_per_sql")
    assert cost["labels"] == ["ads", "web"]
    assert cost["datasets"][0]["data"] == [155.0, None]  # type: ignore[index]  # 310 / 2 SQLs


def test_a_new_stage_change_shows_at_once_despite_the_cache(
    web_app: FastAPI, manager: TestClient
) -> None:
    assert _kpis(manager.get(f"/?{JANUARY}").text)["MQLs"] == "4"
    add_rows(
        web_app.state.engine,
        "stage_changes",
        [
            {
                "lead_id": 4,
                "cycle": 1,
                "from_stage": "lead",
                "to_stage": "mql",
                "changed_at": at(6),
                "actor_type": "rule",
            }
        ],
    )
    assert _kpis(manager.get(f"/?{JANUARY}").text)["MQLs"] == "5"


def test_a_period_of_its_own_and_bad_periods(manager: TestClient) -> None:
    later = manager.get("/?from=2026-01-19&to=2026-01-25", headers={"HX-Request": "true"})
    assert later.status_code == 200 and "<html" not in later.text
    assert _kpis(later.text)["MQLs"] == "1"  # L2's second cycle
    assert "2026-01-19 to 2026-01-25 (7 days, UTC)" in later.text
    upside_down = manager.get("/?from=2026-02-01&to=2026-01-01")
    assert upside_down.status_code == 422 and "must not be before" in upside_down.text
    assert manager.get("/?from=yesterday").status_code == 422


@pytest.mark.parametrize(
    "model", ["first_touch", "last_touch", "linear", "u_shaped", "w_shaped", "time_decay"]
)
def test_sources_with_each_attribution_model(manager: TestClient, model: str) -> None:
    page = manager.get(f"/sources?{JANUARY}&model={model}&value=won_revenue")
    assert page.status_code == 200
    row = re.search(r'<th scope="row">ads</th>(.*?)</tr>', page.text, re.S)
    assert row, "the sources table has a row for ads"
    cells = re.findall(r'<td class="num">([^<]*)</td>', row.group(1))
    # leads, mqls, sqls, customers, revenue, spend, cost per mql/sql/customer, roi
    assert cells == [
        "2",
        "2",
        "2",
        "1",
        "1,000.00",
        "310.00",
        "155.00",
        "155.00",
        "310.00",
        "222.6%",
    ]
    assert f'<option value="{model}" selected>' in page.text
    chart = _chart(page.text, "credit")
    assert sum(chart["datasets"][0]["data"]) == pytest.approx(1000.0)  # type: ignore[index]
    fragment = manager.get(
        f"/sources?{JANUARY}&model={model}",
        headers={"HX-Request": "true", "HX-Target": "attribution"},
    )
    assert fragment.text.lstrip().startswith('<section id="attribution"')
    assert manager.get(f"/sources?model={model}x").status_code == 422


def test_scoring_shows_the_model_highlighted_and_compares_versions(
    web_app: FastAPI, manager: TestClient
) -> None:
    text = 'name: m\nversion: "2"\ndescription: "<script>alert(1)</script>"\n'
    with transaction(web_app.state.engine) as session:
        session.get(ModelVersion, "v1").is_active = False  # type: ignore[union-attr]
        session.add(ModelVersion(version="v2", name="m", checksum="z", source=text, is_active=True))
    add_rows(
        web_app.state.engine,
        "lead_scores",
        [
            {
                "lead_id": i,
                "model_version": "v2",
                "fit": 10.0,
                "engagement": 0.0,
                "fit_band": g[0],
                "engagement_band": int(g[1]),
                "grade": g,
                "is_mql": i == 4,
                "explanation": [],
                "as_of": at(1),
                "scored_at": at(1),
            }
            for i, g in ((1, "A1"), (2, "B1"), (3, "B2"), (4, "B2"))
        ],
    )
    page = manager.get("/scoring?old=v1&new=v2")
    assert page.status_code == 200
    # Pygments' YAML lexer coloured the keys; the text in it is escaped.
    assert re.search(r'<span style="[^"]+">description</span>', page.text)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert(1)" not in page.text
    facts = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", page.text))
    assert facts["Leads compared"] == "4"
    assert facts["Grade changed"] == "1"  # L2: A1 -> B1
    assert facts["Became MQL"] == "1"
    missing = manager.get("/scoring?old=v1&new=v9")
    assert missing.status_code == 422 and "v9" in missing.text
