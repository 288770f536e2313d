"""`/accounts`: list (filters, sort, cursor) and one account; every role may read them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, select

from leadflow.accounts.models import Account
from leadflow.api.deps import SessionDep
from leadflow.api.errors import RequestProblem, problem_responses
from leadflow.api.pagination import (
    DEFAULT_PAGE_SIZE,
    CursorText,
    FilterText,
    IdParam,
    Page,
    PageLimit,
    SortOrder,
    fetch_page,
)
from leadflow.storage.search import contains_text
from leadflow.users.schemas import MAX_ID

router = APIRouter(prefix="/accounts", tags=["accounts"])

AccountSort = Literal["id", "name", "domain", "created_at", "updated_at"]
_FILTERS = ("domain", "industry", "country", "region", "segment", "owner_id")


class AccountListParams(BaseModel):
    """Query parameters of `GET /accounts`: equality filters, a search, a sort, a page."""

    model_config = ConfigDict(extra="forbid")

    domain: FilterText | None = None
    industry: FilterText | None = None
    country: FilterText | None = None
    region: FilterText | None = None
    segment: FilterText | None = None
    owner_id: IdParam | None = None
    search: FilterText | None = Field(default=None, description="Text in the name or domain.")
    sort: AccountSort = "id"
    order: SortOrder = "asc"
    limit: PageLimit = DEFAULT_PAGE_SIZE
    cursor: CursorText | None = None


class AccountRead(BaseModel):
    """A company, with its firmographics and custom attributes."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    domain: str | None
    external_id: str | None
    name: str | None
    industry: str | None
    employees: int | None
    annual_revenue: float | None
    country: str | None
    region: str | None
    segment: str | None
    owner_id: int | None
    attributes: dict[str, Any]
    created_at: datetime
    updated_at: datetime


_SEARCHED = (Account.name, Account.domain)


def matching_accounts(params: AccountListParams) -> Select[Account]:
    """The accounts the parameters select, unordered: pagination orders and cuts them."""
    statement = select(Account)
    for field in _FILTERS:
        value = getattr(params, field)
        if value is not None:
            statement = statement.where(getattr(Account, field) == value)
    if params.search:
        name, domain = (contains_text(column, params.search) for column in _SEARCHED)
        statement = statement.where(name | domain)
    return statement


@router.get("", summary="List accounts")
def list_accounts(
    params: Annotated[AccountListParams, Query()], session: SessionDep
) -> Page[AccountRead]:
    """Accounts matching the filters, a page at a time."""
    rows, next_cursor = fetch_page(
        session,
        matching_accounts(params),
        sort=params.sort,
        descending=params.order == "desc",
        cursor=params.cursor,
        limit=params.limit,
        columns=Account,
    )
    items = [AccountRead.model_validate(account) for account in rows]
    return Page[AccountRead](items=items, next_cursor=next_cursor)


@router.get("/{account_id}", summary="Get an account", responses=problem_responses(404))
def get_account(
    account_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: SessionDep
) -> AccountRead:
    """One account."""
    account = session.get(Account, account_id)
    if account is None:
        raise RequestProblem(404, f"no account with id {account_id}", field="account_id")
    return AccountRead.model_validate(account)
