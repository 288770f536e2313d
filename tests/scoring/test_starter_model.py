"""The starter model `leadflow init` writes: it loads, and it scores typical leads sensibly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from leadflow.scoring import Event, parse_model, score_lead, starter_model_text

NOW = datetime(2025, 6, 30, tzinfo=UTC)
MODEL = parse_model(starter_model_text(), file="scoring.yaml")
BUYER = {
    "seniority": "VP",
    "department": "Marketing",
    "country": "us",
    "is_free_email": False,
    "is_disposable_email": False,
    "email_domain": "acme.example",
    "account.employees": 800,
    "account.industry": "Software",
}


def test_the_starter_model_loads_with_every_section() -> None:
    assert MODEL.version == "1"
    assert MODEL.fit_rules and MODEL.engagement_rules and MODEL.disqualify_rules
    assert any(rule.points < 0 for rule in MODEL.fit_rules)
    assert any(rule.points < 0 for rule in MODEL.engagement_rules)
    assert all(rule.cap for rule in MODEL.engagement_rules)


def test_a_good_fit_that_asks_for_a_demo_is_an_mql() -> None:
    assert not score_lead(MODEL, BUYER, [], at=NOW).is_mql
    demo = Event("d", "demo_request", NOW - timedelta(days=3))
    score = score_lead(MODEL, BUYER, [demo], at=NOW)
    assert score.fit_band == "A" and score.is_mql and score.disqualified_by is None


def test_a_good_fit_reading_pricing_pages_becomes_an_mql_without_a_demo() -> None:
    views = [
        Event(f"v{i}", "page_view", NOW - timedelta(hours=i), {"path": "/pricing"})
        for i in range(3)
    ]
    score = score_lead(MODEL, BUYER, views, at=NOW)
    assert score.is_mql and score.engagement_band > 1


def test_junk_is_disqualified_whatever_it_does() -> None:
    demo = [Event("d", "demo_request", NOW)]
    cases: dict[str, dict[str, Any]] = {
        "disposable_email": {"is_disposable_email": True},
        "student": {"title": "MBA Student"},
        "competitor": {"email_domain": "rival.example"},
        "job_seeker": {"title": "Open to work"},
    }
    for reason, change in cases.items():
        score = score_lead(MODEL, {**BUYER, **change}, demo, at=NOW)
        assert (score.disqualified_by, score.is_mql) == (reason, False)
    job_form = Event("j", "form_submit", NOW, {"form": "job_application"})
    assert score_lead(MODEL, BUYER, [job_form], at=NOW).disqualified_by == "job_seeker"


def test_negative_signals_take_points_away() -> None:
    events = [
        Event("c", "page_view", NOW, {"path": "/careers"}),
        Event("u", "unsubscribe", NOW - timedelta(days=90)),
    ]
    parts = dict(score_lead(MODEL, BUYER, events, at=NOW).explanation)
    assert parts["careers_page"] == -10 and parts["unsubscribed"] == -20
