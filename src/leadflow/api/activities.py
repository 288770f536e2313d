"""`/activities`: events in, one or a batch, through the ingestion service (idempotent by
event id, leads rescored at once); and a lead's activities, a page at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, select

from leadflow.activities.models import Activity
from leadflow.api.deps import LeadDep, SessionDep, SettingsDep
from leadflow.api.errors import RequestProblem, problem_responses
from leadflow.api.leads import WRITERS
from leadflow.api.pagination import (
    DEFAULT_PAGE_SIZE,
    CursorText,
    FilterText,
    Page,
    PageLimit,
    SortOrder,
    fetch_page,
)
from leadflow.ingest.events import IngestResult
from leadflow.ingest.schemas import ActivityBatchIn, ActivityIn, BatchResult, EventResult
from leadflow.ingest.service import RecordsInvalid, ingest_events

router = APIRouter(tags=["activities"])


class ActivityRead(BaseModel):
    """One stored event."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    event_id: str
    lead_id: int | None
    anonymous_id: str | None
    type: str
    occurred_at: datetime
    received_at: datetime
    properties: dict[str, Any]
    source: str | None
    medium: str | None
    campaign: str | None
    content: str | None
    term: str | None


class ActivityListParams(BaseModel):
    """Query parameters of a lead's activities: a type filter, a sort, a page."""

    model_config = ConfigDict(extra="forbid")

    type: FilterText | None = Field(default=None, description="Only events of this type.")
    sort: Literal["occurred_at", "received_at", "id"] = "occurred_at"
    order: SortOrder = "desc"
    limit: PageLimit = DEFAULT_PAGE_SIZE
    cursor: CursorText | None = None


def _results(result: IngestResult) -> list[EventResult]:
    return [
        EventResult(
            index=event.index, event_id=event.event_id, status=event.status, lead_id=event.lead_id
        )
        for event in result.events
    ]


@router.post(
    "/activities",
    summary="Record one activity",
    status_code=201,
    dependencies=[WRITERS],
    responses={
        200: {"model": EventResult, "description": "A duplicate"},
        **problem_responses(403, 409),
    },
)
def record_activity(
    event: ActivityIn, response: Response, session: SessionDep, settings: SettingsDep
) -> EventResult:
    """Store one event (201) and rescore its lead; the same event again changes nothing
    (200, status `duplicate`). An unknown e-mail creates its lead."""
    try:
        result = ingest_events(
            session=session, events=[event.model_dump(exclude_none=True)], settings=settings
        )
    except RecordsInvalid as exc:
        raise exc.within(None, single=True) from None
    (outcome,) = _results(result)
    response.status_code = 201 if outcome.status == "stored" else 200
    return outcome


@router.post(
    "/activities/batch",
    summary="Record a batch of activities",
    dependencies=[WRITERS],
    responses=problem_responses(403, 409),
)
def record_batch(batch: ActivityBatchIn, session: SessionDep, settings: SettingsDep) -> BatchResult:
    """Store up to `api.max_batch_events` events and rescore their leads, all or nothing:
    a bad event is named by its index and field (`events.3.occurred_at`) and none is
    written; too many events is a 413. Each event's result says stored or duplicate. A
    409 means concurrent writes kept conflicting with this one: send it again."""
    limit = settings.api.max_batch_events
    if len(batch.events) > limit:
        raise RequestProblem(
            413,
            f"{len(batch.events)} events in one batch; at most {limit} (the api.max_batch_events"
            " setting): split the batch",
            field="events",
        )
    events = [event.model_dump(exclude_none=True) for event in batch.events]
    try:
        result = ingest_events(session=session, events=events, settings=settings)
    except RecordsInvalid as exc:
        raise exc.within("events") from None
    return BatchResult(
        stored=result.stored,
        duplicates=result.duplicates,
        lead_ids=list(result.lead_ids),
        events=_results(result),
    )


def lead_activities(lead_id: int, event_type: str | None = None) -> Select[tuple[Activity]]:
    """A lead's events, of one type if given, unordered: pagination orders and cuts them."""
    statement = select(Activity).where(Activity.lead_id == lead_id)
    if event_type is not None:
        statement = statement.where(Activity.type == event_type)
    return statement


@router.get(
    "/leads/{lead_id}/activities",
    summary="List a lead's activities",
    responses=problem_responses(403, 404),
)
def list_activities(
    lead: LeadDep, params: Annotated[ActivityListParams, Query()], session: SessionDep
) -> Page[ActivityRead]:
    """The lead's events, newest first by default, a page at a time; a sales key sees only
    its own leads'."""
    rows, next_cursor = fetch_page(
        session,
        lead_activities(lead.id, params.type),
        sort=params.sort,
        descending=params.order == "desc",
        cursor=params.cursor,
        limit=params.limit,
        columns=Activity,
    )
    items = [ActivityRead.model_validate(activity) for activity in rows]
    return Page[ActivityRead](items=items, next_cursor=next_cursor)
