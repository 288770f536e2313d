"""A saved real-time state picks up exactly where it left off, through JSON."""

import json
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from leadflow.scoring.events import Event
from leadflow.scoring.model_file import parse_model, starter_model_text
from leadflow.scoring.state import LeadState
from leadflow.scoring.state_codec import decode_state, encode_state

MODEL = parse_model(starter_model_text())
START = datetime(2026, 1, 1, tzinfo=UTC)
TYPES = ["page_view", "demo_request", "content_download", "email_click", "unsubscribe"]
PATHS = ["/pricing", "/careers", "/blog/x", "/product"]

events = st.builds(
    lambda i, kind, minutes, path: Event(
        id=f"e{i}",
        type=kind,
        occurred_at=START + timedelta(minutes=minutes),
        properties={"path": path},
    ),
    st.integers(0, 10_000),
    st.sampled_from(TYPES),
    st.integers(0, 60 * 24 * 120),
    st.sampled_from(PATHS),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(events, max_size=30, unique_by=lambda e: e.id), st.integers(0, 30))
def test_saved_state_scores_like_the_live_one(history: list[Event], split: int) -> None:
    before, after = history[:split], history[split:]
    attributes = {"seniority": "vp", "account.employees": 800, "is_free_email": False}
    live = LeadState.empty(MODEL)
    for event in before:
        live = live.absorb(event)
    middle = START + timedelta(days=60)
    live = live.advance(middle)
    saved = decode_state(json.loads(json.dumps(encode_state(live))), MODEL)
    assert saved == live
    for event in after:
        live, saved = live.absorb(event), saved.absorb(event)
    end = START + timedelta(days=130)
    assert saved.score(attributes, at=end) == live.score(attributes, at=end)


def test_a_state_for_another_model_is_not_used() -> None:
    other = parse_model(starter_model_text().replace('version: "1"', 'version: "2"'))
    document = encode_state(LeadState.empty(MODEL).advance(START))
    assert decode_state(document, other) is None
    assert decode_state({**document, "format": 99}, MODEL) is None
