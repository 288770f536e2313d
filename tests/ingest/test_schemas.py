"""The HTTP bodies name exactly the import's fields, with the lengths their columns hold."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from leadflow.importing.activities import ACTIVITY_SPEC
from leadflow.importing.fields import EntitySpec
from leadflow.importing.leads import LEAD_SPEC
from leadflow.ingest.schemas import ActivityIn, LeadChangesIn, LeadProfileIn


def _max_length(model: type[BaseModel], name: str) -> Any:
    schema = model.model_json_schema()["properties"][name]
    options = schema.get("anyOf", [schema])
    return next((o["maxLength"] for o in options if "maxLength" in o), None)


@pytest.mark.parametrize(
    ("model", "spec", "nested"),
    [
        (ActivityIn, ACTIVITY_SPEC, "properties"),
        (LeadProfileIn, LEAD_SPEC, "attributes"),
        (LeadChangesIn, LEAD_SPEC, "attributes"),
    ],
)
def test_bodies_match_the_import_fields(
    model: type[BaseModel], spec: EntitySpec, nested: str
) -> None:
    assert set(model.model_fields) == {*spec.fields, nested}
    for name, known in spec.fields.items():
        if known.max_length is not None:
            assert _max_length(model, name) == known.max_length, name
