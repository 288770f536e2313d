"""Fuzzing Segment's tracking API through the real HTTP app: random JSON in every message
field is answered 2xx or 4xx with a problem body that names the place, never a 500."""

from __future__ import annotations

import base64
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)  # NaN: test_hostile_input.py
    | st.text(max_size=12)
    | st.sampled_from(["2026-01-01T00:00:00Z", "0001-01-01T00:00:00+05:00", "a@b.test", ""]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = [
    "type", "anonymousId", "messageId", "name", "timestamp",
    "originalTimestamp", "sentAt", "receivedAt", "properties", "traits", "context",
    "integrations", "category",
]  # fmt: skip
messages = st.fixed_dictionaries(
    {
        "userId": st.sampled_from(["u-1", "u-2"]) | json_values,
        "event": st.sampled_from(["Signed Up", "E"]) | json_values,
    },
    optional=dict.fromkeys(FIELDS, json_values),
)
bodies = st.one_of(
    st.tuples(st.sampled_from(["/v1/track", "/v1/identify", "/v1/page"]), messages | json_values),
    st.tuples(
        st.just("/v1/batch"),
        st.fixed_dictionaries(
            {"batch": st.lists(messages, max_size=3) | json_values},
            optional={"sentAt": json_values, "context": json_values},
        ),
    ),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=bodies)
def test_random_segment_payloads_are_answered_without_a_500(
    client: TestClient, world: Any, request: tuple[str, Any]
) -> None:
    path, body = request
    token = base64.b64encode(f"{world.tokens['marketing']}:".encode()).decode()
    response = client.post(path, json=body, headers={"Authorization": f"Basic {token}"})
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        problem = response.json()
        assert problem["status"] == response.status_code
        assert problem["detail"]
        assert response.status_code != 422 or problem["errors"], problem
        assert all(error["field"] for error in problem["errors"]), problem
    else:
        assert response.json() == {"success": True}
