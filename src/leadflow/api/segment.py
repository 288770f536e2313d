"""`/v1/track`, `/v1/identify`, `/v1/page`, `/v1/batch`: Segment's HTTP tracking API, so
Segment and RudderStack libraries send to leadflow unchanged (host = this server, write
key = a leadflow API key of an admin or marketing user, sent as the Basic auth user)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from leadflow.api.deps import SessionDep, SettingsDep, require_role
from leadflow.api.errors import RequestProblem, problem_responses
from leadflow.api.shape import check_body_shape
from leadflow.segment.messages import Alias, Applied, Batch, Group, Identify, Page, Track
from leadflow.segment.service import ingest_messages
from leadflow.users.models import Role

router = APIRouter(
    prefix="/v1",
    tags=["segment"],
    dependencies=[Depends(require_role(Role.ADMIN, Role.MARKETING)), Depends(check_body_shape)],
    responses=problem_responses(401, 403, 413, 422, 503),
)


class Accepted(BaseModel):
    """Segment's answer to a message it took."""

    success: bool = True


def _take(
    session: SessionDep,
    settings: SettingsDep,
    messages: Sequence[Applied | Group | Alias],
) -> Accepted:
    ingest_messages(session=session, messages=messages, settings=settings)
    return Accepted()


@router.post("/identify", summary="Segment identify")
def identify(message: Identify, session: SessionDep, settings: SettingsDep) -> Accepted:
    """Save the traits on the lead (userId is its external id, traits.email its e-mail) and
    join the anonymousId's earlier activity to it."""
    return _take(session, settings, [message])


@router.post("/track", summary="Segment track")
def track(message: Track, session: SessionDep, settings: SettingsDep) -> Accepted:
    """Store an activity whose type is the event name mapped (segment.event_types)."""
    return _take(session, settings, [message])


@router.post("/page", summary="Segment page")
def page(message: Page, session: SessionDep, settings: SettingsDep) -> Accepted:
    """Store a page_view with the page's url, path, title and referrer."""
    return _take(session, settings, [message])


@router.post("/batch", summary="Segment batch")
def batch(body: Batch, session: SessionDep, settings: SettingsDep) -> Accepted:
    """Take many messages at once, all or none; at most api.max_batch_events of them
    (413 beyond), group and alias messages accepted and skipped."""
    limit = settings.api.max_batch_events
    if len(body.batch) > limit:
        raise RequestProblem(
            413,
            f"the batch has {len(body.batch)} messages; at most {limit} are taken at once "
            "(the api.max_batch_events setting)",
            field="batch",
        )
    ingest_messages(
        session=session,
        messages=body.batch,
        settings=settings,
        batch_sent_at=body.sent_at,
        container="batch",
    )
    return Accepted()
