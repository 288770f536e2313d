"""What the settings page's forms do, through the same services as the API and the CLI."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from leadflow.api.deps import SessionDep, SettingsDep
from leadflow.users import keys
from leadflow.users import service as users_service
from leadflow.users.schemas import MAX_ID, UserCreate, UserUpdate
from leadflow.web.settings_page import (
    AdminViewer,
    FormRefused,
    Shown,
    refusals_shown,
    settings_view,
)
from leadflow.web.templating import redirect
from leadflow.webhooks import service as webhooks_service

router = APIRouter(prefix="/settings")
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
Text = Annotated[str, Form(max_length=2_000)]


def _done(request: Request, notice: str) -> Response:
    return redirect(request, f"/settings?done={notice}")


def _optional(value: str) -> str | None:
    return value.strip() or None


@router.post("/users")
def create_user(
    request: Request,
    session: SessionDep,
    viewer: AdminViewer,
    email: Text,
    name: Text,
    role: Text,
    team: Text = "",
) -> Response:
    """Add a user (they log in once a password is set)."""
    try:
        with refusals_shown():
            user_in = UserCreate.model_validate(
                {"email": email, "name": name, "role": role, "team": _optional(team)}
            )
            users_service.create(session=session, user_in=user_in)
    except FormRefused as refused:
        return settings_view(request, session, status=refused.status, error=refused.message)
    return _done(request, "user-created")


@router.post("/users/{user_id}/role")
def change_role(
    request: Request, session: SessionDep, viewer: AdminViewer, user_id: RowId, role: Text
) -> Response:
    """Give a user another role; the last active admin keeps theirs."""
    try:
        with refusals_shown():
            user = users_service.get(session=session, user_id=user_id)
            if user is None:
                raise FormRefused(404, f"no user with id {user_id}")
            users_service.update(
                session=session, user=user, user_in=UserUpdate.model_validate({"role": role})
            )
    except FormRefused as refused:
        return settings_view(request, session, status=refused.status, error=refused.message)
    return _done(request, "role-changed")


@router.post("/keys")
def create_key(
    request: Request,
    session: SessionDep,
    viewer: AdminViewer,
    user_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    name: Text = "",
) -> Response:
    """A new API key for a user, shown on this answer only."""
    try:
        with refusals_shown():
            key, token = keys.create(session=session, user_id=user_id, name=_optional(name))
    except FormRefused as refused:
        return settings_view(request, session, status=refused.status, error=refused.message)
    shown = Shown(label=f"API key {key.prefix}: copy it now, it is not shown again", value=token)
    return settings_view(request, session, status=201, shown=shown)


@router.post("/keys/{prefix}/revoke")
def revoke_key(
    request: Request,
    session: SessionDep,
    viewer: AdminViewer,
    prefix: Annotated[str, Path(max_length=16)],
) -> Response:
    """Revoke a key at once."""
    try:
        with refusals_shown():
            keys.revoke(session=session, prefix=keys.prefix_of(prefix))
    except FormRefused as refused:
        return settings_view(request, session, status=refused.status, error=refused.message)
    return _done(request, "key-revoked")


@router.post("/webhooks")
def subscribe(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: AdminViewer,
    url: Text,
    events: Annotated[list[str] | None, Form(max_length=50)] = None,
    description: Text = "",
) -> Response:
    """Subscribe a receiver; its signing secret is shown on this answer only."""
    try:
        with refusals_shown():
            subscription, secret = webhooks_service.subscribe(
                session=session,
                url=url,
                event_types=events or [],
                server_key=settings.secret_key,
                description=_optional(description),
            )
    except FormRefused as refused:
        return settings_view(request, session, status=refused.status, error=refused.message)
    label = f"Signing secret of subscription {subscription.id}: copy it now, it is not shown again"
    return settings_view(request, session, status=201, shown=Shown(label=label, value=secret))


@router.post("/webhooks/{subscription_id}/{action}")
def pause_or_resume(
    request: Request,
    session: SessionDep,
    viewer: AdminViewer,
    subscription_id: RowId,
    action: Annotated[str, Path(pattern="^(pause|resume)$")],
) -> Response:
    """Pause a subscription (deliveries wait) or resume it."""
    try:
        with refusals_shown():
            webhooks_service.set_active(
                session=session, subscription_id=subscription_id, active=action == "resume"
            )
    except FormRefused as refused:
        return settings_view(request, session, status=refused.status, error=refused.message)
    return _done(request, "webhook-resumed" if action == "resume" else "webhook-paused")


@router.post("/deliveries/{delivery_id}/replay")
def replay_delivery(
    request: Request, session: SessionDep, viewer: AdminViewer, delivery_id: RowId
) -> Response:
    """Queue one delivery again with the same webhook-id."""
    try:
        with refusals_shown():
            webhooks_service.replay(session=session, delivery_ids=[delivery_id])
    except FormRefused as refused:
        return settings_view(request, session, status=refused.status, error=refused.message)
    return _done(request, "delivery-replayed")
