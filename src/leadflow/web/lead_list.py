"""Reading the leads list's query string: the API's own `GET /leads` parameters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy import Select
from sqlalchemy.orm import Session

from leadflow.api.leads_query import LeadListParams
from leadflow.api.pagination import fetch_page
from leadflow.leads.models import Lead

# The filter form's fields, in the order the form shows them.
FILTER_FIELDS = (
    "search",
    "stage",
    "grade",
    "source",
    "owner_id",
    "fit_min",
    "fit_max",
    "engagement_min",
    "engagement_max",
)


def list_params(request: Request, *, drop: Sequence[str] = ()) -> LeadListParams:
    """The list parameters of the query string, empty form fields left out; a bad one is a
    422 page naming it, as the API would answer."""
    given = {k: v for k, v in request.query_params.items() if v != "" and k not in drop}
    try:
        return LeadListParams.model_validate(given)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from exc


def page_of_leads(
    session: Session, params: LeadListParams, selection: Select[tuple[Lead]]
) -> tuple[Sequence[Lead], str | None]:
    """One page of `selection` (visible_leads), as `GET /api/v1/leads` fetches it."""
    return fetch_page(
        session,
        selection,
        sort=params.sort,
        descending=params.order == "desc",
        cursor=params.cursor,
        limit=params.limit,
        columns=Lead,
    )


def query_string(params: LeadListParams, **changes: Any) -> str:
    """The query string of these parameters with `changes` (None removes one)."""
    values = params.model_dump(exclude_defaults=True) | changes
    return urlencode({k: v for k, v in values.items() if v is not None})
