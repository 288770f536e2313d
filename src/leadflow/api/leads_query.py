"""Which leads a list request selects: its filters, sort and page, within what the caller
may see."""

from __future__ import annotations

from typing import Annotated, Literal

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
from leadflow.leads.service import FILTERABLE, LeadQuery, ScoreFilter
from leadflow.users.access import Access

# The same names as leads.service.SORTABLE (a test holds them equal), as a type OpenAPI shows.
LeadSort = Literal[
    "id", "email", "created_at", "updated_at", "stage", "source", "country", "company"
]

# A grade cell as scores store it (A1, B3...), and a finite score bound.
GradeText = Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_]+$")]
ScoreBound = Annotated[float, Field(ge=-1e9, le=1e9, allow_inf_nan=False)]


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
    grade: GradeText | None = Field(default=None, description="Active score's grade cell: A1.")
    fit_min: ScoreBound | None = Field(default=None, description="Fit at least this.")
    fit_max: ScoreBound | None = Field(default=None, description="Fit at most this.")
    engagement_min: ScoreBound | None = Field(default=None, description="Engagement at least.")
    engagement_max: ScoreBound | None = Field(default=None, description="Engagement at most.")
    sort: LeadSort = "id"
    order: SortOrder = "asc"
    limit: PageLimit = DEFAULT_PAGE_SIZE
    cursor: CursorText | None = None

    def score_filter(self) -> ScoreFilter:
        """The conditions on the active score given; a range upside down is refused (422)."""
        return ScoreFilter(
            grade=self.grade,
            fit_min=self.fit_min,
            fit_max=self.fit_max,
            engagement_min=self.engagement_min,
            engagement_max=self.engagement_max,
        )

    def filters(self) -> dict[str, str]:
        """The equality filters given, as LeadQuery takes them."""
        return {
            field: str(value) for field in FILTERABLE if (value := getattr(self, field)) is not None
        }


def visible_leads(params: LeadListParams, principal: Access) -> Select[tuple[Lead]]:
    """The leads the parameters select among those the caller may see (a rep: their own),
    unordered: pagination orders and cuts them."""
    query = LeadQuery(filters=params.filters(), search=params.search, scores=params.score_filter())
    statement = query.statement().order_by(None).limit(None)
    if not principal.sees_every_lead:
        statement = statement.where(Lead.owner_id == principal.user.id)
    return statement
