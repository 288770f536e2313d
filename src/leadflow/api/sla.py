"""`/sla`: the SLA clocks (a sales key sees its own leads' only), and one sweep on demand
(admin) that marks breaches and escalates, as `leadflow sla run --once` does."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, computed_field
from sqlalchemy import Select, select

from leadflow.api.deps import ADMIN_ONLY, EngineDep, PrincipalDep, SessionDep, SettingsDep
from leadflow.api.errors import problem_responses
from leadflow.api.pagination import (
    DEFAULT_PAGE_SIZE,
    CursorText,
    IdParam,
    Page,
    PageLimit,
    fetch_page,
)
from leadflow.leads.models import Lead
from leadflow.sla.models import SlaTimer, TimerStatus
from leadflow.sla.sweeper import run_once
from leadflow.storage.base import utcnow
from leadflow.users.access import Access

router = APIRouter(prefix="/sla", tags=["sla"])


class TimerListParams(BaseModel):
    """Query parameters of `GET /sla/timers`: soonest due first, a page at a time."""

    model_config = ConfigDict(extra="forbid")

    status: TimerStatus = TimerStatus.OPEN
    owner_id: IdParam | None = Field(default=None, description="Leads this user owns now.")
    lead_id: IdParam | None = None
    limit: PageLimit = DEFAULT_PAGE_SIZE
    cursor: CursorText | None = None


class TimerRead(BaseModel):
    """A deadline for leaving one stage, and what became of it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    lead_id: int
    cycle: int
    stage: str
    owner_id: int | None = Field(description="Who owned the lead when the clock started.")
    team: str | None
    started_at: datetime
    due_at: datetime
    status: TimerStatus
    closed_at: datetime | None
    breached_at: datetime | None
    escalation: str | None = Field(description="reassigned, manager or none, once breached.")
    escalated_to_id: int | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def overdue(self) -> bool:
        """Open and past its deadline: the next sweep breaches it."""
        return self.status == TimerStatus.OPEN and self.due_at <= utcnow()


class Sweep(BaseModel):
    """What one sweep did: timers due, breaches, and how each was escalated."""

    worker_id: str
    claimed: int
    breached: int
    outcomes: dict[str, int]
    timer_ids: list[int]


def visible_timers(params: TimerListParams, principal: Access) -> Select[SlaTimer]:
    """The timers the parameters select among those of leads the caller may see (a rep:
    the leads they own now), unordered: pagination orders and cuts them."""
    statement = (
        select(SlaTimer)
        .join(Lead, Lead.id == SlaTimer.lead_id)
        .where(SlaTimer.status == params.status)
    )
    if params.owner_id is not None:
        statement = statement.where(Lead.owner_id == params.owner_id)
    if params.lead_id is not None:
        statement = statement.where(SlaTimer.lead_id == params.lead_id)
    if not principal.sees_every_lead:
        statement = statement.where(Lead.owner_id == principal.user.id)
    return statement


@router.get("/timers", summary="List SLA timers")
def list_timers(
    params: Annotated[TimerListParams, Query()], session: SessionDep, principal: PrincipalDep
) -> Page[TimerRead]:
    """Timers of one status (open by default), soonest due first; a sales key sees only the
    timers of leads its rep owns."""
    rows, next_cursor = fetch_page(
        session,
        visible_timers(params, principal),
        sort="due_at",
        descending=False,
        cursor=params.cursor,
        limit=params.limit,
        columns=SlaTimer,
    )
    items = [TimerRead.model_validate(timer) for timer in rows]
    return Page[TimerRead](items=items, next_cursor=next_cursor)


@router.post(
    "/sweep",
    summary="Sweep due timers now",
    dependencies=[ADMIN_ONLY],
    responses=problem_responses(403),
)
def sweep(session: SessionDep, engine: EngineDep, settings: SettingsDep) -> Sweep:
    """Mark every timer due now as breached and escalate it (next rep or manager, as the
    stage's policy says), as the server's sweeper does every `[sla] interval_seconds`."""
    # End the request's transaction (the key's last use) before the sweep writes in its own.
    session.commit()
    summary = run_once(engine=engine, settings=settings)
    return Sweep(**asdict(summary))
