"""The API's resources: every router under /api/v1, in one list.

A new resource is a module with `router = APIRouter(prefix="/things", tags=["things"])`
whose routes declare what they need (`SessionDep`, `PrincipalDep`, `LeadDep`, `ADMIN_ONLY`),
added to RESOURCES below, and given its rows in tests/api/test_roles.py.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from leadflow.api import (
    accounts,
    activities,
    audit,
    health,
    keys,
    lead_actions,
    leads,
    reports,
    scoring,
    sla,
    users,
    webhooks,
)
from leadflow.api.deps import get_principal
from leadflow.api.errors import problem_responses
from leadflow.api.shape import check_body_shape

API_PREFIX = "/api/v1"

RESOURCES: tuple[APIRouter, ...] = (
    health.me_router,
    leads.router,
    activities.router,
    accounts.router,
    users.router,
    keys.router,
    lead_actions.router,
    scoring.router,
    webhooks.router,
    sla.router,
    reports.router,
    audit.router,
)


def api_router() -> APIRouter:
    """Every resource under /api/v1. Each route needs a valid key (401 otherwise), and any
    may refuse a body that is too large (413), invalid or past a shape limit (422), or be
    unable to reach the database (503)."""
    router = APIRouter(
        prefix=API_PREFIX,
        dependencies=[Depends(get_principal), Depends(check_body_shape)],
        responses=problem_responses(401, 413, 422, 503),
    )
    for resource in RESOURCES:
        router.include_router(resource)
    return router
