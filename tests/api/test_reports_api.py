"""`/reports` on both databases: the same numbers as `run_report`, worked out by hand.

The API world's three leads get a history of February 2026 (UTC):

- rep lead, source ads: mql 02-02 00:00, sal 02-02 06:00, sql 02-03 00:00.
- other lead, source ads: mql 02-03 00:00, nurture 02-04 00:00 (not_ready).
- unowned lead, source web: disqualified 02-02 00:00 (junk, by a rule).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, update

from leadflow.analytics.registry import REPORTS, ReportParameters, run_report
from leadflow.analytics.tables import store_tables
from leadflow.storage.registry import metadata


def at(day: int, hour: int = 0) -> datetime:
    """An instant of February 2026, UTC."""
    return datetime(2026, 2, day, hour, tzinfo=UTC)


@pytest.fixture
def history(client: TestClient, world: Any) -> Any:
    """The world's leads with the sources and stage history of the module docstring."""
    engine = client.app.state.engine  # type: ignore[attr-defined]
    rep, other, unowned = world.rep_lead, world.other_lead, world.unowned_lead
    changes = [
        (rep, "lead", "mql", at(2), "rule", None),
        (rep, "mql", "sal", at(2, 6), "user", None),
        (rep, "sal", "sql", at(3), "user", None),
        (other, "lead", "mql", at(3), "rule", None),
        (other, "mql", "nurture", at(4), "user", "not_ready"),
        (unowned, "lead", "disqualified", at(2), "rule", "junk"),
    ]
    leads = metadata.tables["leads"]
    with engine.begin() as connection:
        for lead, source in ((rep, "ads"), (other, "ads"), (unowned, "web")):
            connection.execute(update(leads).where(leads.c.id == lead).values(source=source))
        connection.execute(
            insert(metadata.tables["stage_changes"]),
            [
                {
                    "lead_id": lead,
                    "cycle": 1,
                    "from_stage": f,
                    "to_stage": to,
                    "changed_at": when,
                    "actor_type": actor,
                    "reason": reason,
                }
                for lead, f, to, when, actor, reason in changes
            ],
        )
    return world


def get(client: TestClient, world: Any, path: str, role: str = "admin", **params: Any) -> Any:
    """GET a report path as this role; the response must be 200."""
    response = client.get(f"/api/v1/reports{path}", params=params, headers=world.headers(role))
    assert response.status_code == 200, response.text
    return response.json()


def problem(client: TestClient, world: Any, path: str, **params: Any) -> tuple[int, list[str]]:
    """Status and the fields a problem response names."""
    response = client.get(f"/api/v1/reports{path}", params=params, headers=world.headers("admin"))
    assert response.headers["content-type"] == "application/problem+json"
    return response.status_code, [error["field"] for error in response.json()["errors"]]


def test_lists_every_report_with_its_summary(client: TestClient, history: Any) -> None:
    listed = get(client, history, "", role="sales")
    assert [r["name"] for r in listed] == list(REPORTS)
    funnel = listed[0]
    assert funnel["summary"] == REPORTS["funnel"].summary
    assert funnel["options"] == ["steps", "cycles"]


def test_funnel_by_hand_and_as_run_report(client: TestClient, history: Any) -> None:
    body = get(client, history, "/funnel", role="sales")
    counts = [(row["stage"], row["count"]) for row in body["rows"]]
    # Entries into mql: rep lead (02-02) and other lead (02-03); only the rep lead goes on.
    assert counts == [("mql", 2), ("sal", 1), ("sql", 1), ("opportunity", 0), ("customer", 0)]
    # mql -> sal 6 h, sal -> sql 18 h.
    assert [row["median_hours"] for row in body["rows"][:3]] == [None, 6.0, 18.0]
    engine = client.app.state.engine  # type: ignore[attr-defined]
    assert body == run_report("funnel", store_tables(engine)).as_dict()
    assert get(client, history, "/funnel", engine="duckdb") == body


def test_period_days_are_both_included(client: TestClient, history: Any) -> None:
    # --from/--to 2026-02-03: [02-03 00:00, 02-04 00:00): the other lead's entry only.
    body = get(client, history, "/funnel", **{"from": "2026-02-03", "to": "2026-02-03"})
    assert [row["count"] for row in body["rows"]] == [1, 0, 0, 0, 0]
    assert body["title"] == "funnel from 2026-02-03 to 2026-02-03"
    # to 2026-02-01 ends at 02-02 00:00, exclusive: the rep lead's entry at that instant is
    # out, so the cohort is empty, and an empty cohort has no rows.
    assert get(client, history, "/funnel", to="2026-02-01")["rows"] == []


def test_window_and_options(client: TestClient, history: Any) -> None:
    # sal exactly 6 h after the mql entry is inside a 6 h window; sql (24 h) is not.
    body = get(client, history, "/funnel", window="6h", steps="mql,sal,sql")
    assert [row["count"] for row in body["rows"]] == [2, 1, 0]
    assert body["title"] == "funnel within 6 hours"


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("sources", {"by": "source"}),
        ("velocity", {"by": ["source", "campaign"]}),
        ("sla", {"by": "team"}),
        ("rejections", {}),
        ("calibration", {}),
        ("attribution", {"model": "linear", "value": "won_revenue"}),
        ("plan", {"target": 3, "goal": "sql", "basis": "mql"}),
        ("funnel", {"cycles": "first", "from": "2026-02-01", "to": "2026-02-28"}),
    ],
)
def test_every_report_matches_run_report(
    client: TestClient, history: Any, name: str, params: dict[str, Any]
) -> None:
    body = get(client, history, f"/{name}", **params)
    engine = client.app.state.engine  # type: ignore[attr-defined]
    by = params.get("by", ())
    parameters = ReportParameters(
        start=datetime(2026, 2, 1, tzinfo=UTC) if "from" in params else None,
        end=datetime(2026, 3, 1, tzinfo=UTC) if "to" in params else None,
        by=(by,) if isinstance(by, str) else tuple(by),
        **{k: v for k, v in params.items() if k not in ("by", "from", "to")},
    )
    assert body == run_report(name, store_tables(engine), parameters).as_dict()


def test_sources_and_rejections_by_hand(client: TestClient, history: Any) -> None:
    rows = get(client, history, "/sources")["rows"]
    # ads: two leads, both MQLs, one SQL; web: one lead, disqualified at the door.
    assert [(r["source"], r["leads"], r["mqls"], r["sqls"]) for r in rows] == [
        ("ads", 2, 2, 1),
        ("web", 1, 0, 0),
    ]
    rows = get(client, history, "/rejections", by="source")["rows"]
    assert [(r["source"], r["stage"], r["decided_by"], r["reason"]) for r in rows] == [
        ("ads", "nurture", "sales", "not_ready"),
        ("web", "disqualified", "scoring", "junk"),
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"window": "soon"}, "window"),
        ({"window": "0d"}, "window"),
        ({"by": "a-b"}, "by.0"),  # the first `by` given
        ({"by": "source,source"}, "by"),
        ({"by": "lead_id"}, "by"),
        ({"steps": "mql"}, "steps"),
        ({"from": "2026-02-03", "to": "2026-02-02"}, "to"),
        ({"from": "2026-02-30"}, "from"),
        ({"engine": "spark"}, "engine"),
        ({"target": 0}, "target"),
        ({"cycles": "some"}, "cycles"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_parameters_are_named(
    client: TestClient, history: Any, params: dict[str, Any], field: str
) -> None:
    assert problem(client, history, "/funnel", **params) == (422, [field])


def test_by_beyond_attribution_channels_is_named(client: TestClient, history: Any) -> None:
    assert problem(client, history, "/attribution", by="persona") == (422, ["by"])


def test_unknown_report_is_404(client: TestClient, history: Any) -> None:
    assert problem(client, history, "/forecast") == (404, ["name"])


def test_spark_is_refused_with_the_command_to_use(client: TestClient, history: Any) -> None:
    response = client.get(
        "/api/v1/reports/funnel", params={"engine": "spark"}, headers=history.headers("admin")
    )
    assert response.status_code == 422
    assert "leadflow report NAME --engine spark" in response.text
