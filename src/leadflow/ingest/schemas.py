"""What goes in and out of the ingestion service over HTTP: events, batches, lead profiles.

The models only shape the body (known names, JSON types, lengths the store can hold); the
service then reads every value by the importer's rules, so a request and an import file
agree on what is valid.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from leadflow.users.schemas import RowId, storable

# Text read as a date/time (ISO 8601), with room for an offset.
TimeText = Annotated[str, storable(64, 1)]


# Text as long as the column that keeps it (tests/ingest checks these against the tables).
Text50 = Annotated[str, storable(50)]
Text100 = Annotated[str, storable(100)]
Text128 = Annotated[str, storable(128)]
Text200 = Annotated[str, storable(200)]
Text255 = Annotated[str, storable(255)]
Text320 = Annotated[str, storable(320)]
# Free-form values; how many, how long and how deep is bounded for every body (api.shape).
CustomValues = dict[str, Any]


class ActivityIn(BaseModel):
    """One event: what happened, when, to whom (a lead key or an anonymous id), and its
    free-form properties. Idempotent by `event_id` (a digest of its content when left out)."""

    model_config = ConfigDict(extra="forbid")

    type: Annotated[str, storable(64, 1)] = Field(description="Such as page_view.")
    occurred_at: TimeText = Field(description="ISO 8601; without an offset, the time_zone.")
    event_id: Text128 | None = None
    email: Text320 | None = None
    lead_external_id: Text255 | None = None
    lead_id: RowId | None = None
    anonymous_id: Text200 | None = None
    source: Text100 | None = None
    medium: Text100 | None = None
    campaign: Text200 | None = None
    content: Text200 | None = None
    term: Text200 | None = None
    properties: CustomValues = Field(default_factory=dict)


class ActivityBatchIn(BaseModel):
    """Several events, checked together: one bad event and none is written."""

    model_config = ConfigDict(extra="forbid")

    events: list[ActivityIn] = Field(description="At most api.max_batch_events events.")


EventStatus = Literal["stored", "duplicate"]


class EventResult(BaseModel):
    """What became of one event, and the lead it belongs to (null while anonymous)."""

    index: int
    event_id: str
    status: EventStatus
    lead_id: int | None


class BatchResult(BaseModel):
    """Per-event results in request order, and the leads rescored because of them."""

    stored: int
    duplicates: int
    lead_ids: list[int]
    events: list[EventResult]


class _LeadFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Text320 | None = None
    external_id: Text255 | None = None
    first_name: Text200 | None = None
    last_name: Text200 | None = None
    title: Text200 | None = None
    seniority: Text50 | None = None
    department: Text100 | None = None
    persona: Text100 | None = None
    company: Text255 | None = None
    phone: Text50 | None = None
    country: Text100 | None = None
    region: Text100 | None = None
    city: Text100 | None = None
    source: Text100 | None = None
    medium: Text100 | None = None
    campaign: Text200 | None = None
    created_at: TimeText | None = None
    attributes: CustomValues = Field(default_factory=dict)


class LeadProfileIn(_LeadFields):
    """A lead's profile, matched by `email` or `external_id` (one is needed): given values
    replace stored ones; custom values go in `attributes`."""


class LeadChangesIn(_LeadFields):
    """Profile fields and custom `attributes` to change; what is left out stays."""
