"""`/leads`: list (filters, sort, cursor) and one lead; a sales key sees only its own."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from leadflow.api.deps import LeadDep, PrincipalDep, SessionDep
from leadflow.api.errors import problem_responses
from leadflow.api.leads_query import LeadListParams, visible_leads
from leadflow.api.pagination import Page, fetch_page
from leadflow.leads import service
from leadflow.leads.models import Lead

router = APIRouter(prefix="/leads", tags=["leads"])


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


class LeadRead(LeadSummary):
    """Everything about one lead: profile, account and custom attributes."""

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
