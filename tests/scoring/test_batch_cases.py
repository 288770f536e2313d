"""Batch scoring's edge cases, with numbers worked out by hand, on every engine."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from leadflow.accounts.models import Account
from leadflow.activities.models import Activity
from leadflow.leads.models import Lead
from leadflow.scoring import Contribution, LeadScore, Schema, parse_model
from leadflow.scoring.batch import SCORE_COLUMNS, batch_scores, rule_columns, score_table
from leadflow.scoring.batch_inputs import duckdb_inputs, store_inputs
from leadflow.storage.database import session_factory

AS_OF = datetime(2025, 5, 1, 9, 30, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
MODEL = parse_model(
    """
name: edges
version: e-1
fit_rules:
  - {name: big, when: "account.employees >= 100", points: 10}
  - {name: vp, when: "seniority = 'vp'", points: 20}
engagement_rules:
  - {name: views, event: page_view, points: 4, half_life: 1d}
  - {name: demo, event: demo_request, points: 30}
disqualify_rules:
  - {name: tire_kicker, when: "count(page_view, within=1d) >= 3"}
fit_bands: {A: 30, B: 20, C: 10}
engagement_bands: {1: 30, 2: 8, 3: 2}
mql_criteria: "did(demo_request, within=7d)"
""",
    file="edges.yaml",
)


def fill(engine: Engine, *rows: Any) -> None:
    """Add the rows (accounts, leads, activities) to the store."""
    with session_factory(engine).begin() as session:
        for row in rows:
            session.add(row)
            session.flush()


def activity(event_id: str, lead_id: int | None, kind: str, at: datetime) -> Activity:
    """An activity without properties."""
    return Activity(event_id=event_id, lead_id=lead_id, type=kind, occurred_at=at)


def scores(engine: Engine, model: Any = MODEL) -> dict[int, LeadScore]:
    """Every lead's score, the same on the store itself and on DuckDB."""
    found = [
        dict(batch_scores(model, Schema.build(), inputs, as_of=AS_OF))
        for inputs in (store_inputs(engine), duckdb_inputs(engine))
    ]
    # Engines add the same terms in different orders: equal to the last bit or two.
    assert found[0].keys() == found[1].keys()
    for store, duck in ((found[0][i], found[1][i]) for i in found[0]):
        assert store.engagement == pytest.approx(duck.engagement, rel=1e-12, abs=1e-12)
        assert store == replace(duck, engagement=store.engagement, explanation=store.explanation)
        assert dict(store.explanation) == pytest.approx(dict(duck.explanation), rel=1e-12)
    return found[0]


def test_leads_without_activities_get_their_fit_alone(engine: Engine) -> None:
    fill(
        engine,
        Account(id=1, domain="acme.example", employees=500),
        Lead(id=1, email="a@acme.example", seniority="VP", account_id=1),
        Lead(id=2, email="b@solo.example"),
    )
    got = scores(engine)
    assert got[1].fit == 30 and got[1].engagement == 0 and got[1].grade == "A4"
    assert got[1].explanation == (Contribution("vp", 20), Contribution("big", 10))
    # No account: `account.employees >= 100` is unknown, so no points.
    assert (got[2].fit, got[2].grade, got[2].explanation, got[2].is_mql) == (0, "D4", (), False)


def test_times_on_and_around_as_of(engine: Engine) -> None:
    fill(
        engine,
        Lead(id=1, email="a@acme.example"),
        Lead(id=2, email="b@acme.example"),
        activity("now", 1, "page_view", AS_OF),
        activity("yesterday", 1, "page_view", AS_OF - timedelta(days=1)),
        activity("too_late", 1, "page_view", AS_OF + MICROSECOND),
        activity("week_edge", 1, "demo_request", AS_OF - timedelta(days=7)),
        activity("past_edge", 2, "demo_request", AS_OF - timedelta(days=7) - MICROSECOND),
        activity("after", 2, "demo_request", AS_OF + timedelta(hours=1)),
        activity("anonymous", None, "demo_request", AS_OF),
    )
    got = scores(engine)
    # 4 now + 4 halved a day ago + 30 for the demo (no decay); the later view does not count.
    assert got[1].engagement == 36 and got[1].engagement_band == 1
    assert got[1].explanation == (Contribution("demo", 30), Contribution("views", 6))
    # The demo exactly 7 days back is inside the window; a microsecond earlier is not.
    assert got[1].is_mql and not got[2].is_mql
    assert got[2].engagement == 30 and got[2].grade == "D1"


def test_event_windows_include_both_ends(engine: Engine) -> None:
    day = timedelta(days=1)
    views = [AS_OF, AS_OF - day / 2, AS_OF - day, AS_OF - day - MICROSECOND, AS_OF + MICROSECOND]
    fill(
        engine,
        Lead(id=1, email="a@acme.example"),
        Lead(id=2, email="b@acme.example"),
        *(activity(f"v{i}", 1, "page_view", at) for i, at in enumerate(views)),
        *(activity(f"w{i}", 2, "page_view", at) for i, at in enumerate(views[1:])),
    )
    got = scores(engine)
    assert got[1].disqualified_by == "tire_kicker"
    assert got[2].disqualified_by is None


def test_no_leads_no_rows_and_a_model_without_events(engine: Engine) -> None:
    assert scores(engine) == {}
    fit_only = parse_model(
        """
name: fit only
version: f-1
fit_rules: [{name: vp, when: "seniority = 'vp'", points: 50}]
fit_bands: {A: 50, B: 20, C: 10}
engagement_bands: {1: 30, 2: 8, 3: 2}
mql_criteria: "fit_band = 'A'"
""",
        file="fit.yaml",
    )
    fill(engine, Lead(id=1, email="a@acme.example", seniority="vp"), Lead(id=2, email="b@x.io"))
    got = scores(engine, fit_only)
    assert (got[1].grade, got[1].is_mql, got[2].grade, got[2].is_mql) == ("A4", True, "D4", False)
    no_rules = replace(fit_only, fit_rules=())
    assert {i: s.grade for i, s in scores(engine, no_rules).items()} == {1: "D4", 2: "D4"}


def test_one_row_per_lead_with_a_column_per_rule(engine: Engine) -> None:
    fill(engine, Lead(id=7, email="a@acme.example"), activity("e", 7, "demo_request", AS_OF))
    table = score_table(MODEL, Schema.build(), store_inputs(engine), as_of=AS_OF)
    assert rule_columns(MODEL) == {
        "big": "fit_0",
        "vp": "fit_1",
        "views": "engagement_0",
        "demo": "engagement_1",
    }
    assert table.columns == (*SCORE_COLUMNS, "fit_0", "fit_1", "engagement_0", "engagement_1")
    row = table.execute().iloc[0]
    assert (row.lead_id, row.engagement_1, row.grade, bool(row.is_mql)) == (7, 30, "D1", True)


def test_unknown_names_are_refused(engine: Engine) -> None:
    custom = Schema.build(custom_attributes={"tier": "text"})
    model = parse_model(
        """
name: custom
version: c-1
fit_rules: [{name: gold, when: "tier = 'gold'", points: 5}]
fit_bands: {A: 50, B: 20, C: 10}
engagement_bands: {1: 30, 2: 8, 3: 2}
mql_criteria: "fit > 1"
""",
        file="custom.yaml",
        schema=custom,
    )
    with pytest.raises(ValueError, match="attribute 'tier', which the schema does not know"):
        score_table(model, Schema.build(), store_inputs(engine), as_of=AS_OF)
