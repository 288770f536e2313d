"""Real time: a lead's state absorbs events in any order and scores as the definition does."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from leadflow.scoring import Event, LeadScore, LeadState, parse_model, score_lead

START = datetime(2024, 1, 1, tzinfo=UTC)
MODEL = parse_model(
    """
name: real time
version: rt-1
fit_rules:
  - {name: exec, when: "seniority in ['vp', 'c-level']", points: 40}
  - {name: big, when: "account.employees >= 1000", points: 25}
  - {name: free_email, when: is_free_email, points: -15}
engagement_rules:
  - {name: pricing, event: page_view, where: "path startswith '/pricing'", points: 12,
     half_life: 3d, cap: 40}
  - {name: pages, event: page_view, points: 1.5, half_life: 12h, cap: 8}
  - {name: clicks, event: email_click, points: 4, half_life: 10d}
  - {name: demo, event: demo_request, points: 35, half_life: 30d, cap: 50}
  - {name: careers, event: page_view, where: "path startswith '/careers'", points: -9,
     half_life: 20d, cap: 18}
  - {name: unsubscribed, event: unsubscribe, points: -25}
disqualify_rules:
  - {name: competitor, when: "email_domain = 'rival.example'"}
  - {name: job_seeker, when: "count(page_view where path startswith '/careers', within=5d) >= 2"}
  - {name: student, when: "title contains 'student'"}
fit_bands: {A: 60, B: 40, C: 15}
engagement_bands: {1: 45, 2: 20, 3: 5}
mql_criteria: >
  grade in ['A1', 'A2', 'B1'] or did(demo_request, within=14d)
  or fit >= 40 and count(page_view where path startswith '/pricing', within=2d) >= 3
""",
    file="realtime.yaml",
)
THRESHOLDS = [*MODEL.fit_bands.thresholds, *MODEL.engagement_bands.thresholds, 40]

PATHS = ["/pricing", "/pricing/teams", "/careers", "/blog/post", None]
minutes = st.integers(min_value=0, max_value=60 * 24 * 60)  # two months, by the minute


@st.composite
def events(draw: st.DrawFn) -> list[Event]:
    kinds = st.sampled_from(["page_view"] * 4 + ["email_click", "demo_request", "unsubscribe"])
    found = []
    for i in range(draw(st.integers(min_value=0, max_value=25))):
        kind = draw(kinds)
        path = draw(st.sampled_from(PATHS)) if kind == "page_view" else None
        properties = {} if path is None else {"path": path}
        found.append(Event(f"e{i}", kind, START + timedelta(minutes=draw(minutes)), properties))
    return found


attributes = st.fixed_dictionaries(
    {
        "seniority": st.sampled_from([None, "VP", "c-level", "manager"]),
        "account.employees": st.sampled_from([None, 50, 1000, 20000]),
        "is_free_email": st.sampled_from([None, True, False]),
        "email_domain": st.sampled_from([None, "acme.example", "rival.example"]),
        "title": st.sampled_from([None, "PhD Student", "Head of Ops"]),
    }
)


def replay(events: list[Event], advances: list[datetime], random: Random) -> LeadState:
    """Absorb the events in a random order, with time advancing at random moments between."""
    arrivals: list[Event | None] = random.sample(events, len(events))
    for _ in advances:
        arrivals.insert(random.randint(0, len(arrivals)), None)
    clock = iter(sorted(advances))
    state = LeadState.empty(MODEL)
    for arrival in arrivals:
        state = state.advance(next(clock)) if arrival is None else state.absorb(arrival)
    return state


def close(a: LeadScore, b: LeadScore) -> None:
    """Equal scores, the engagement numbers to 1e-9 of their scale."""
    assert a.fit == b.fit
    assert math.isclose(a.engagement, b.engagement, rel_tol=1e-9, abs_tol=1e-9)
    assert dict(a.explanation).keys() == dict(b.explanation).keys()
    for rule, points in a.explanation:
        assert math.isclose(points, dict(b.explanation)[rule], rel_tol=1e-9, abs_tol=1e-9)
    assert (a.grade, a.disqualified_by, a.is_mql) == (b.grade, b.disqualified_by, b.is_mql)


@given(attributes, events(), st.lists(minutes, max_size=4), minutes, st.randoms())
def test_real_time_equals_the_definition(
    lead: dict[str, Any], history: list[Event], ticks: list[int], at: int, random: Random
) -> None:
    now = START + timedelta(minutes=max([at, *ticks]))
    advances = [START + timedelta(minutes=t) for t in ticks]
    expected = score_lead(MODEL, lead, history, at=now)
    # A band or the criteria decided by a hair's breadth could differ in the last bit.
    assume(all(abs(expected.engagement - t) > 1e-6 for t in THRESHOLDS))
    close(replay(history, advances, random).score(lead, at=now), expected)


@given(attributes, events(), st.lists(minutes, max_size=4), minutes, st.randoms(), st.randoms())
def test_arrival_order_never_matters(
    lead: dict[str, Any],
    history: list[Event],
    ticks: list[int],
    at: int,
    first: Random,
    second: Random,
) -> None:
    now = START + timedelta(minutes=max([at, *ticks]))
    advances = [START + timedelta(minutes=t) for t in ticks]
    one = replay(history, advances, first).score(lead, at=now)
    other = replay(history, advances, second).score(lead, at=now)
    assert one == other


@given(attributes, events(), minutes)
def test_disqualified_leads_never_become_mqls(
    lead: dict[str, Any], history: list[Event], at: int
) -> None:
    state = LeadState.empty(MODEL)
    for event in history:
        state = state.absorb(event)
    score = state.score(lead, at=START + timedelta(minutes=at))
    assert not (score.disqualified_by and score.is_mql)


def test_a_disqualified_lead_that_meets_the_criteria_is_not_an_mql() -> None:
    demo = Event("d", "demo_request", START)
    state = LeadState.empty(MODEL).absorb(demo)
    assert state.score({}, at=START).is_mql
    score = state.score({"title": "Student"}, at=START)
    assert score.disqualified_by == "student" and not score.is_mql


def test_future_events_wait_until_their_time() -> None:
    state = LeadState.empty(MODEL).advance(START)
    state = state.absorb(Event("d", "demo_request", START + timedelta(hours=1)))
    assert len(state.pending) == 1
    assert not state.score({}, at=START).is_mql
    assert state.score({}, at=START + timedelta(hours=1)).is_mql
    later = state.advance(START + timedelta(hours=2))
    assert later.pending == ()
    assert later.score({}, at=START + timedelta(hours=2)).is_mql


def test_late_events_count_as_if_they_had_come_on_time() -> None:
    on_time = LeadState.empty(MODEL)
    late = LeadState.empty(MODEL).advance(START + timedelta(days=1))
    for minute in (0, 10, 20):
        event = Event(
            f"p{minute}", "page_view", START + timedelta(minutes=minute), {"path": "/pricing"}
        )
        on_time = on_time.absorb(event)
        late = late.absorb(event)
    at = START + timedelta(days=1)
    assert late.score({}, at=at) == on_time.score({}, at=at)


def test_a_late_event_on_the_edge_of_a_window_counts() -> None:
    now = START + timedelta(days=14)
    state = LeadState.empty(MODEL).advance(now).absorb(Event("d", "demo_request", START))
    assert state.score({}, at=now).is_mql
    assert not state.score({}, at=now + timedelta(microseconds=1)).is_mql


def test_windowed_tallies_forget_what_falls_out_of_every_window() -> None:
    state = LeadState.empty(MODEL)
    for day in range(30):
        at = START + timedelta(days=day)
        state = state.absorb(Event(f"c{day}", "page_view", at, {"path": "/careers"})).advance(at)
    assert max(len(tally.recent) for tally in state.tallies) <= 6


def test_time_only_moves_forward() -> None:
    state = LeadState.empty(MODEL).advance(START + timedelta(days=1))
    with pytest.raises(ValueError, match="time only moves forward"):
        state.advance(START)
    with pytest.raises(ValueError, match="time only moves forward"):
        state.score({}, at=START)


def test_the_fit_is_remembered_only_while_the_attributes_are_equal() -> None:
    state = LeadState.empty(MODEL).advance(START)
    lead: dict[str, Any] = {"seniority": "vp", "account.employees": 1000}
    assert state.score(lead, at=START).fit == 65  # exec 40 + big 25
    lead["seniority"] = "manager"  # changed in place: the remembered copy tells
    assert state.score(lead, at=START).fit == 25
    # A later state made from this one shares the memory, and sees a new mapping too.
    later = state.absorb(Event("e1", "email_click", START)).advance(START + timedelta(days=1))
    assert later.score({**lead, "is_free_email": True}, at=later.watermark).fit == 10
    assert later.score({"seniority": "c-level"}, at=later.watermark).fit == 40
    assert state.score(lead, at=START).fit == 25


@given(st.lists(attributes, min_size=1, max_size=5), events())
def test_scores_with_a_remembered_fit_equal_the_definition(
    leads: list[dict[str, Any]], history: list[Event]
) -> None:
    # One state scored with attributes that change and change back, as a lead's do.
    at = max((e.occurred_at for e in history), default=START)
    state = LeadState.empty(MODEL).advance(at)
    for event in history:
        state = state.absorb(event)
    for lead in leads:
        close(state.score(lead, at=at), score_lead(MODEL, lead, history, at=at))
