"""Leads: the filtered, sorted list a page at a time (keyset, as the API pages), and the
same list as CSV."""

from __future__ import annotations

from typing import Annotated, get_args

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from leadflow.api.deps import SessionDep, SettingsDep
from leadflow.api.leads_query import LeadSort, visible_leads
from leadflow.leads.service import active_scores
from leadflow.lifecycle.stages import StageMachine
from leadflow.users import service as users_service
from leadflow.users.access import Access
from leadflow.web.lead_csv import csv_lines
from leadflow.web.lead_list import FILTER_FIELDS, list_params, page_of_leads, query_string
from leadflow.web.nav import page_access
from leadflow.web.templating import render

router = APIRouter()
Viewer = Annotated[Access, page_access("/leads")]


@router.get("/leads")
def leads(request: Request, session: SessionDep, settings: SettingsDep, viewer: Viewer) -> Response:
    """The leads the viewer may see that match the filters, one page at a time."""
    params = list_params(request)
    rows, next_cursor = page_of_leads(session, params, visible_leads(params, viewer))
    users = users_service.list_users(session=session)
    context = {
        "title": "Leads",
        "params": params,
        "rows": rows,
        "scores": active_scores(session=session, lead_ids=[lead.id for lead in rows]),
        "owners": {user.id: user.name or user.email for user in users},
        "owner_choices": [u for u in users if u.active] if viewer.sees_every_lead else [],
        "stages": StageMachine(settings.lifecycle).all_stages,
        "sorts": get_args(LeadSort),
        "filter_fields": FILTER_FIELDS,
        "next_url": f"/leads?{query_string(params, cursor=next_cursor)}" if next_cursor else None,
        "first_url": f"/leads?{query_string(params, cursor=None)}" if params.cursor else None,
        "csv_url": f"/leads.csv?{query_string(params, cursor=None, limit=None)}",
    }
    if request.headers.get("HX-Target") == "lead-results":
        return render(request, "leads_results.html.j2", **context)
    return render(request, "leads.html.j2", **context)


@router.get("/leads.csv")
def leads_csv(request: Request, viewer: Viewer) -> Response:
    """Every lead of the filtered list as CSV, walked page by page like the API's cursor."""
    params = list_params(request, drop=("cursor", "limit"))
    return StreamingResponse(
        csv_lines(request.app.state.sessions, params, visible_leads(params, viewer)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="leads.csv"'},
    )
