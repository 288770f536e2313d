"""Logging in and out of the dashboard."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from leadflow.api.deps import SessionDep, SettingsDep
from leadflow.users import logins, passwords
from leadflow.users.logins import LoginLimits
from leadflow.web.config import WebConfig
from leadflow.web.deps import WebSessionDep
from leadflow.web.sessions import anonymous
from leadflow.web.templating import redirect, render

router = APIRouter()

WRONG = "The e-mail or the password is wrong."


def limits_of(config: WebConfig) -> LoginLimits:
    """The login limits the `[web]` settings give."""
    return LoginLimits(
        per_account=config.login_failures_per_account,
        per_client=config.login_failures_per_client,
        window=timedelta(minutes=config.login_failure_window_minutes),
    )


def safe_next(target: str | None) -> str:
    """Where to go after login: a path on this site only, never another site."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


@router.get("/login")
def login_page(request: Request, web_session: WebSessionDep, next: str = "/") -> Response:
    """The login form."""
    return render(request, "login.html.j2", title="Log in", next=safe_next(next), error=None)


@router.post("/login")
def log_in(
    request: Request,
    web_session: WebSessionDep,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=passwords.MAX_LENGTH)],
    next: Annotated[str, Form(max_length=2_000)] = "/",
) -> Response:
    """Check the e-mail and password; on success start a session and go on."""
    client = request.client.host if request.client else "unknown"
    outcome = logins.log_in(
        session=session,
        email=email,
        password=password,
        client=client,
        limits=limits_of(settings.web),
    )
    if outcome.user is None:
        if outcome.locked:
            minutes = max(1, round(outcome.retry_after.total_seconds() / 60))
            error = (
                "Too many failed logins for this account or from this address. "
                f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
            )
            status, headers = 429, {"Retry-After": str(int(outcome.retry_after.total_seconds()))}
        else:
            error, status, headers = WRONG, 401, {}
        response = render(
            request,
            "login.html.j2",
            status=status,
            title="Log in",
            next=safe_next(next),
            error=error,
            email=email,
        )
        response.headers.update(headers)
        return response
    request.state.web_session = web_session.logged_in(
        user_id=outcome.user.id, password=passwords.fingerprint(outcome.user)
    )
    request.state.set_session_cookie = True
    return redirect(request, safe_next(next))


@router.post("/logout")
def log_out(request: Request, web_session: WebSessionDep) -> Response:
    """End the session: the browser keeps only an anonymous one."""
    request.state.web_session = anonymous()
    request.state.set_session_cookie = True
    return redirect(request, "/login")
