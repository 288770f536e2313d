"""`/audit`: who changed models, keys, webhooks and users (admin only); and the auditor a
request's changes are written down for."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from leadflow.api.deps import ADMIN_ONLY, PrincipalDep, SessionDep
from leadflow.api.errors import problem_responses
from leadflow.audit import service as audit
from leadflow.audit.service import Auditor
from leadflow.storage.times import in_utc
from leadflow.users.schemas import storable

router = APIRouter(
    prefix="/audit", tags=["audit"], dependencies=[ADMIN_ONLY], responses=problem_responses(403)
)


def get_auditor(principal: PrincipalDep) -> Auditor:
    """The caller as the audit log names them: their e-mail and the key's prefix."""
    return Auditor.of_key(email=principal.user.email, prefix=principal.key.prefix)


AuditorDep = Annotated[Auditor, Depends(get_auditor)]


class AuditParams(BaseModel):
    """Query parameters of `GET /audit`."""

    model_config = ConfigDict(extra="forbid")

    since: Annotated[datetime, AfterValidator(in_utc)] | None = Field(
        default=None, description="Entries at or after this time (ISO 8601; no zone: UTC)."
    )
    actor: Annotated[str, storable(200, 1)] | None = Field(
        default=None, description="Entries whose actor contains this text (an e-mail, a key)."
    )
    limit: int = Field(default=1_000, ge=1, le=audit.MAX_LISTED)


class AuditRead(BaseModel):
    """One change: when, who (actor_type: api_key, user, system), what and to what."""

    id: int
    at: datetime
    actor_type: str
    actor: str
    action: str
    subject: str
    details: dict[str, Any]


@router.get("", summary="List the audit log")
def list_audit(params: Annotated[AuditParams, Query()], session: SessionDep) -> list[AuditRead]:
    """Changes oldest first: scoring models recorded or activated, API keys created or
    revoked, webhook subscriptions changed or replayed, users created or changed. Stage
    changes are in each lead's history (`/leads/{id}/history`)."""
    entries = audit.list_entries(
        session=session, since=params.since, actor=params.actor, limit=params.limit
    )
    return [AuditRead(**vars(entry)) for entry in entries]
