"""Schemathesis against the app's own OpenAPI, on both databases, as an admin: no 5xx, and
every response (errors included) within the documented status codes, media types, headers
and schemas, for valid and for invalid requests.

One test per operation, each a Hypothesis test over schemathesis' generated requests.
(schemathesis.pytest.from_fixture, which would pick the database per test, does not run
under pytest 9, so the strategies are used directly, as schemathesis documents.)
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from leadflow.api.app import create_app
from leadflow.config import load_settings
from leadflow.storage.database import transaction
from leadflow.users import keys
from leadflow.users.models import Role, User

# An id no generated path is likely to hit, so fuzzing cannot deactivate or demote the
# admin whose key it runs with.
FUZZ_ADMIN_ID = 987_654_321
EXAMPLES_PER_OPERATION = 60
# Not checked: that every schema-valid request succeeds. Some validity is not the schema's to
# say: a cursor is opaque text the server issued, a manager_id must name an existing user,
# the last admin cannot be demoted. Those are refused with 4xx problems, which conform.


def _operations() -> list[tuple[str, str]]:
    app = create_app(load_settings(database_url="sqlite://"))
    app.state.engine.dispose()
    spec = app.openapi()
    return [(method.upper(), path) for path, item in spec["paths"].items() for method in item]


@pytest.fixture
def fuzz_headers(app: FastAPI, world: Any) -> dict[str, str]:
    """An admin key of a user out of the fuzzer's reach, in a world with data to find."""
    with transaction(app.state.engine) as session:
        session.add(User(id=FUZZ_ADMIN_ID, email="fuzz@acme.test", name="Fuzz", role=Role.ADMIN))
        session.flush()
        _, token = keys.create(session=session, user_id=FUZZ_ADMIN_ID, name="schemathesis")
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(("method", "path"), _operations())
def test_every_answer_is_within_the_schema(
    app: FastAPI, fuzz_headers: dict[str, str], method: str, path: str
) -> None:
    operation = schemathesis.openapi.from_asgi("/openapi.json", app)[path][method]
    requests = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=requests)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def answers_within_schema(case: schemathesis.Case) -> None:
        case.call_and_validate(
            headers={**fuzz_headers, **(case.headers or {})},
            excluded_checks=[positive_data_acceptance],
        )

    answers_within_schema()
