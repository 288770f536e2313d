"""Settings (admin only): users, API keys, webhook subscriptions and recent deliveries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from leadflow.api.deps import SessionDep
from leadflow.errors import LeadflowError, NotFoundError
from leadflow.users import keys
from leadflow.users import service as users_service
from leadflow.users.access import Access
from leadflow.users.errors import UserConflictError
from leadflow.users.models import Role
from leadflow.users.schemas import reason_of
from leadflow.web.nav import page_access
from leadflow.web.templating import render
from leadflow.webhooks import service as webhooks_service
from leadflow.webhooks.outbox import EVENT_TYPES

router = APIRouter()
AdminViewer = Annotated[Access, page_access("/settings")]
RECENT_DELIVERIES = 25
# What a finished action says on the page it redirects to (`/settings?done=...`).
NOTICES = {
    "user-created": "User added. Set their password with `leadflow users set-password EMAIL`.",
    "role-changed": "Role changed.",
    "key-revoked": "API key revoked: it stops working at once.",
    "webhook-paused": "Subscription paused: its deliveries wait, unsent.",
    "webhook-resumed": "Subscription resumed.",
    "delivery-replayed": "Delivery queued again with the same webhook-id.",
}


@dataclass(frozen=True)
class Shown:
    """A secret shown this once (an API key, a webhook signing secret), and what it is for."""

    label: str
    value: str


class FormRefused(Exception):
    """A settings form the services refused: the page is shown again saying why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@contextmanager
def refusals_shown() -> Iterator[None]:
    """Turn validation and domain refusals into FormRefused (422, or 409 for conflicts)."""
    try:
        yield
    except ValidationError as exc:
        message = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {reason_of(error)}"
            for error in exc.errors()
        )
        raise FormRefused(422, message) from exc
    except UserConflictError as exc:
        raise FormRefused(409, str(exc)) from exc
    except NotFoundError as exc:
        raise FormRefused(404, str(exc)) from exc
    except LeadflowError as exc:
        raise FormRefused(422, str(exc)) from exc


def settings_view(
    request: Request,
    session: Session,
    *,
    status: int = 200,
    error: str | None = None,
    shown: Shown | None = None,
) -> Response:
    """The settings page, with an error or a secret to show once."""
    notice = NOTICES.get(request.query_params.get("done", ""))
    return render(
        request,
        "settings.html.j2",
        status=status,
        title="Settings",
        users=users_service.list_users(session=session),
        roles=list(Role),
        api_keys=keys.list_keys(session=session),
        subscriptions=webhooks_service.list_subscriptions(session=session),
        deliveries=webhooks_service.list_deliveries(session=session, limit=RECENT_DELIVERIES),
        event_types=EVENT_TYPES,
        notice=notice,
        error=error,
        shown=shown,
    )


@router.get("/settings")
def settings_page(request: Request, session: SessionDep, viewer: AdminViewer) -> Response:
    """Users, API keys and webhooks on one page."""
    return settings_view(request, session)
