"""Scoring one lead from its attributes and events: the definition (`score_lead`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from leadflow.scoring import Contribution, Event, parse_model, score_lead

NOW = datetime(2025, 6, 30, 12, tzinfo=UTC)
MODEL = parse_model(
    """
name: test model
version: 7
fit_rules:
  - {name: vp, when: "seniority = 'vp'", points: 30}
  - {name: mid_market, when: "account.employees >= 200", points: 30}
  - {name: free_email, when: is_free_email, points: -10}
  - {name: zero, when: "true", points: 0}
engagement_rules:
  - {name: pricing, event: page_view, where: "path startswith '/pricing'", points: 10,
     half_life: 7d, cap: 25}
  - {name: any_page, event: page_view, points: 10, half_life: 7d}
  - {name: unsubscribed, event: unsubscribe, points: -20}
disqualify_rules:
  - {name: competitor, when: "email_domain = 'rival.example'"}
  - {name: job_seeker, when: "did(page_view where path startswith '/careers')"}
fit_bands: {A: 60, B: 40, C: 20}
engagement_bands: {1: 30, 2: 15, 3: 5}
mql_criteria: "grade in ['A1', 'A2'] or did(demo_request, within=7d)"
""",
    file="test.yaml",
)
VP = {"seniority": "VP", "account.employees": 500, "is_free_email": False}


def view(path: str, days_ago: float, event_id: str | None = None) -> Event:
    at = NOW - timedelta(days=days_ago)
    return Event(event_id or f"{path}-{days_ago}", "page_view", at, {"path": path})


def test_fit_engagement_grade_and_mql() -> None:
    score = score_lead(MODEL, VP, [view("/pricing", 0), view("/pricing", 7)], at=NOW)
    assert score.fit == 60
    # pricing: 10 + 5 = 15; any page: 10 + 5 = 15
    assert score.engagement == pytest.approx(30, rel=1e-12)
    assert (score.fit_band, score.engagement_band, score.grade) == ("A", 1, "A1")
    assert score.is_mql and score.disqualified_by is None
    assert score.model_version == "7"


def test_explanation_lists_contributing_rules_largest_first_ties_by_name() -> None:
    attributes = {**VP, "is_free_email": True}
    events = [view("/blog", 0), Event("u", "unsubscribe", NOW - timedelta(days=400))]
    score = score_lead(MODEL, attributes, events, at=NOW)
    assert score.explanation == (
        Contribution("mid_market", 30),
        Contribution("vp", 30),
        Contribution("unsubscribed", -20),
        Contribution("any_page", 10),
        Contribution("free_email", -10),
    )
    assert score.fit == 50 and score.engagement == -10


def test_caps_and_negative_points_hold_per_rule() -> None:
    events = [view("/pricing", 0, f"p{i}") for i in range(5)]
    events += [Event(f"u{i}", "unsubscribe", NOW) for i in range(2)]
    parts = dict(score_lead(MODEL, {}, events, at=NOW).explanation)
    assert parts == {"pricing": 25, "any_page": 50, "unsubscribed": -40}


def test_disqualify_rules_come_first_and_the_first_match_names_the_reason() -> None:
    junk = {**VP, "email_domain": "RIVAL.example"}
    events = [view("/pricing", 0), view("/careers/jobs", 1)]
    score = score_lead(MODEL, junk, events, at=NOW)
    assert score.grade == "A2" and score.disqualified_by == "competitor" and not score.is_mql
    score = score_lead(MODEL, VP, events, at=NOW)
    assert score.disqualified_by == "job_seeker" and not score.is_mql


def test_events_after_the_scoring_time_do_not_count() -> None:
    future = Event("f", "demo_request", NOW + timedelta(seconds=1))
    assert not score_lead(MODEL, {}, [future], at=NOW).is_mql
    assert score_lead(MODEL, {}, [future], at=NOW + timedelta(seconds=1)).is_mql


def test_windows_include_both_ends() -> None:
    demo = Event("d", "demo_request", NOW)
    assert score_lead(MODEL, {}, [demo], at=NOW).is_mql
    assert score_lead(MODEL, {}, [demo], at=NOW + timedelta(days=7)).is_mql
    later = NOW + timedelta(days=7, microseconds=1)
    assert not score_lead(MODEL, {}, [demo], at=later).is_mql


def test_repeats_of_an_event_id_count_once_and_conflicting_ones_are_refused() -> None:
    once = score_lead(MODEL, {}, [view("/pricing", 0, "e1")], at=NOW)
    twice = score_lead(MODEL, {}, [view("/pricing", 0, "e1")] * 2, at=NOW)
    assert once == twice
    with pytest.raises(ValueError, match="two different events have the id 'e1'"):
        score_lead(MODEL, {}, [view("/pricing", 0, "e1"), view("/blog", 0, "e1")], at=NOW)


def test_unknown_values_never_earn_points() -> None:
    score = score_lead(MODEL, {}, [Event("x", "page_view", NOW)], at=NOW)
    assert dict(score.explanation) == {"any_page": 10}
