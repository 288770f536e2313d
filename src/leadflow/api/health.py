"""`/healthz` for load balancers (no key), and `/api/v1/me` for a key to see who it is."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from leadflow import __version__
from leadflow.api.deps import PrincipalDep, SessionDep
from leadflow.api.errors import problem_responses
from leadflow.users.schemas import ApiKeyRead, UserRead

health_router = APIRouter(tags=["health"])
me_router = APIRouter(tags=["me"])


class Health(BaseModel):
    """The server answers and its database does."""

    status: Literal["ok"]
    version: str


class Me(BaseModel):
    """Who a key acts as: its user (and role) and the key itself."""

    user: UserRead
    key: ApiKeyRead


@health_router.get("/healthz", summary="Health check", responses=problem_responses(503))
def health(session: SessionDep) -> Health:
    """200 when the server and its database answer; 503 when the database does not."""
    session.execute(text("SELECT 1"))
    return Health(status="ok", version=__version__)


@me_router.get("/me", summary="Who am I")
def me(principal: PrincipalDep) -> Me:
    """The user and key this request acts as."""
    return Me(
        user=UserRead.model_validate(principal.user), key=ApiKeyRead.model_validate(principal.key)
    )
