"""Which leads a list request selects: its filters, sort and page, within what the caller
may see."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select

from leadflow.api.pagination import (
    DEFAULT_PAGE_SIZE,
    CursorText,
    FilterText,
    IdParam,
    PageLimit,
    SortOrder,
)
from leadflow.leads.models import Lead
from leadflow.leads.service import FILTERABLE, LeadQuery
from leadflow.users.keys import Principal

# The same names as leads.service.SORTABLE (a test holds them equal), as a type OpenAPI shows.
LeadSort = Literal[
    "id", "email", "created_at", "updated_at", "stage", "source", "country", "company"
]


class LeadListParams(BaseModel):
    """Query parameters of `GET /leads`: equality filters, a search, a sort, a page."""

    # An unknown parameter is refused: a mistyped filter must not silently list everything.
    model_config = ConfigDict(extra="forbid")

    stage: FilterText | None = None
    source: FilterText | None = None
    medium: FilterText | None = None
    campaign: FilterText | None = None
    country: FilterText | None = None
    region: FilterText | None = None
    persona: FilterText | None = None
    seniority: FilterText | None = None
    department: FilterText | None = None
    owner_id: IdParam | None = None
    account_id: IdParam | None = None
    search: FilterText | None = Field(
        default=None, description="Text in the e-mail, company or last name."
    )
    sort: LeadSort = "id"
    order: SortOrder = "asc"
    limit: PageLimit = DEFAULT_PAGE_SIZE
    cursor: CursorText | None = None

    def filters(self) -> dict[str, str]:
        """The equality filters given, as LeadQuery takes them."""
        return {
            field: str(value) for field in FILTERABLE if (value := getattr(self, field)) is not None
        }


def visible_leads(params: LeadListParams, principal: Principal) -> Select[tuple[Lead]]:
    """The leads the parameters select among those the caller may see (a rep: their own),
    unordered: pagination orders and cuts them."""
    query = LeadQuery(filters=params.filters(), search=params.search)
    statement = query.statement().order_by(None).limit(None)
    if not principal.sees_every_lead:
        statement = statement.where(Lead.owner_id == principal.user.id)
    return statement
