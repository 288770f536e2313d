"""`/leads`: list (filters, sort, cursor), one lead with its score, and the profile writes
(upsert, change) that marketing and admin make through the ingestion service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from leadflow.api.deps import LeadDep, PrincipalDep, SessionDep, SettingsDep, require_role
from leadflow.api.errors import problem_responses
from leadflow.api.leads_query import LeadListParams, visible_leads
from leadflow.api.pagination import Page, fetch_page
from leadflow.ingest.schemas import LeadChangesIn, LeadProfileIn
from leadflow.ingest.service import update_lead, upsert_lead
from leadflow.leads import service
from leadflow.leads.models import Lead
from leadflow.users.models import Role

router = APIRouter(prefix="/leads", tags=["leads"])

# Admin and marketing write leads and their activities; sales and managers read.
WRITERS = Depends(require_role(Role.ADMIN, Role.MARKETING))


class LeadSummary(BaseModel):
    """The fields a list shows for each lead."""

    id: int
    email: str | None
    name: str | None
    title: str | None
    seniority: str | None
    department: str | None
    persona: str | None
    company: str | None
    country: str | None
    region: str | None
    source: str | None
    stage: str
    owner_id: int | None
    account_id: int | None
    created_at: datetime


class LeadAccount(BaseModel):
    """The account a lead works for, in brief."""

    id: int
    name: str | None
    domain: str | None
    industry: str | None
    employees: int | None
    country: str | None
    region: str | None
    segment: str | None


class ScorePart(BaseModel):
    """How many points one rule gave."""

    rule: str
    points: float


class PredictionFactor(BaseModel):
    """One feature's push on the lead's probability (log-odds), with the lead's value."""

    feature: str
    value: Any
    contribution: float


class LeadPredictionRead(BaseModel):
    """The lead's conversion probability under the active trained model, and why."""

    model_version: str
    conversion_probability: float
    band: str
    as_of: datetime
    top_positive: list[PredictionFactor]
    top_negative: list[PredictionFactor]


class LeadRead(LeadSummary):
    """Everything about one lead: profile, account, custom attributes, and its score under
    the active model (null before it is scored), with the reasons, largest first."""

    external_id: str | None
    phone: str | None
    city: str | None
    medium: str | None
    campaign: str | None
    cycle: int
    stage_changed_at: datetime
    updated_at: datetime
    is_free_email: bool
    is_disposable_email: bool
    account: LeadAccount | None
    attributes: dict[str, Any]
    fit: float | None
    engagement: float | None
    grade: str | None
    is_mql: bool | None
    disqualified_by: str | None
    model_version: str | None
    scored_as_of: datetime | None
    explanation: list[ScorePart]
    # The active trained model's probability and its top factors; null without one.
    prediction: LeadPredictionRead | None = None


@router.get("", summary="List leads")
def list_leads(
    params: Annotated[LeadListParams, Query()], session: SessionDep, principal: PrincipalDep
) -> Page[LeadSummary]:
    """Leads matching the filters, a page at a time; a sales key sees only its rep's leads."""
    rows, next_cursor = fetch_page(
        session,
        visible_leads(params, principal),
        sort=params.sort,
        descending=params.order == "desc",
        cursor=params.cursor,
        limit=params.limit,
        columns=Lead,
    )
    items = [LeadSummary.model_validate(service.lead_summary(lead)) for lead in rows]
    return Page[LeadSummary](items=items, next_cursor=next_cursor)


@router.get("/{lead_id}", summary="Get a lead", responses=problem_responses(403, 404))
def get_lead(lead: LeadDep, session: SessionDep) -> LeadRead:
    """One lead with its account and attributes; 403 for another rep's lead on a sales key."""
    return LeadRead.model_validate(service.lead_profile(session=session, lead=lead))


@router.post(
    "",
    summary="Create or update a lead",
    status_code=201,
    dependencies=[WRITERS],
    responses={200: {"model": LeadRead, "description": "Updated"}, **problem_responses(403, 409)},
)
def upsert(
    profile: LeadProfileIn, response: Response, session: SessionDep, settings: SettingsDep
) -> LeadRead:
    """Create the lead `email` or `external_id` names (201), or update it (200); rescored
    at once. Values are read as an import reads them; custom values go in `attributes`."""
    written = upsert_lead(
        session=session, profile=profile.model_dump(exclude_none=True), settings=settings
    )
    response.status_code = 201 if written.created else 200
    return LeadRead.model_validate(service.lead_profile(session=session, lead=written.lead))


@router.patch(
    "/{lead_id}",
    summary="Change a lead's profile",
    dependencies=[WRITERS],
    responses=problem_responses(403, 404, 409),
)
def change(
    changes: LeadChangesIn, lead: LeadDep, session: SessionDep, settings: SettingsDep
) -> LeadRead:
    """Change profile fields and custom `attributes` (left-out ones stay); rescored at once.
    An unknown field is refused (422 naming it); another lead's e-mail or external id, 409."""
    written = update_lead(
        session=session,
        lead=lead,
        changes=changes.model_dump(exclude_none=True),
        settings=settings,
    )
    return LeadRead.model_validate(service.lead_profile(session=session, lead=written.lead))
