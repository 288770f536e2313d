"""Settings (admin only): users, API keys, webhook subscriptions and recent deliveries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from leadflow.api.deps import SessionDep
from leadflow.users import service as users_service
from leadflow.users.access import Access
from leadflow.web.nav import page_access
from leadflow.web.templating import render

router = APIRouter()
AdminViewer = Annotated[Access, page_access("/settings")]


@router.get("/settings")
def settings_page(request: Request, session: SessionDep, viewer: AdminViewer) -> Response:
    """Users, API keys and webhooks on one page."""
    users = users_service.list_users(session=session)
    return render(request, "settings.html.j2", title="Settings", users=users)
