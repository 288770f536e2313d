"""`/keys`: create (the key is shown once), list and revoke API keys (admin only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict

from leadflow.api.audit import AuditorDep
from leadflow.api.deps import ADMIN_ONLY, SessionDep
from leadflow.api.errors import problem_responses
from leadflow.api.pagination import IdParam
from leadflow.users import keys
from leadflow.users.keys import KEY_PREFIX_PATTERN
from leadflow.users.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead

router = APIRouter(
    prefix="/keys", tags=["api keys"], dependencies=[ADMIN_ONLY], responses=problem_responses(403)
)

KeyPrefix = Annotated[
    str, Path(pattern=KEY_PREFIX_PATTERN, description="The key's prefix, e.g. lf_ab12cd34.")
]


class KeyListParams(BaseModel):
    """Query parameters of `GET /keys`."""

    model_config = ConfigDict(extra="forbid")

    user_id: IdParam | None = None
    include_revoked: bool = True


@router.get("", summary="List API keys")
def list_keys(params: Annotated[KeyListParams, Query()], session: SessionDep) -> list[ApiKeyRead]:
    """Keys by creation (never their secrets), optionally of one user, optionally only valid."""
    found = keys.list_keys(
        session=session, user_id=params.user_id, include_revoked=params.include_revoked
    )
    return [ApiKeyRead.model_validate(key) for key in found]


@router.post("", status_code=201, summary="Create an API key")
def create_key(key_in: ApiKeyCreate, session: SessionDep, auditor: AuditorDep) -> ApiKeyCreated:
    """A new key acting as the user, with the user's role; `key` is shown this once only."""
    key, plaintext = keys.create(
        session=session, user_id=key_in.user_id, name=key_in.name, auditor=auditor
    )
    shown = ApiKeyRead.model_validate(key).model_dump()
    return ApiKeyCreated(**shown, key=plaintext)


@router.post("/{prefix}/revoke", summary="Revoke an API key", responses=problem_responses(404))
def revoke_key(prefix: KeyPrefix, session: SessionDep, auditor: AuditorDep) -> ApiKeyRead:
    """Revoke a key: it stops working at once; revoking it again changes nothing."""
    return ApiKeyRead.model_validate(keys.revoke(session=session, prefix=prefix, auditor=auditor))
