"""The dashboard mounted on the API's app: its pages at `/`, its files at `/static`."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from leadflow.config import Settings
from leadflow.web import login, settings_actions, settings_page
from leadflow.web.content import CONTENT_PAGES
from leadflow.web.deps import verify_csrf
from leadflow.web.errors import install_page_errors
from leadflow.web.sessions import SessionCookies
from leadflow.webhooks.signing import MIN_SERVER_KEY_LENGTH

# Each page module has `router = APIRouter()`; list it here to mount it.
PAGE_MODULES = (login, settings_page, settings_actions, *CONTENT_PAGES)


def dashboard_router() -> APIRouter:
    """Every page, each POST checked for its CSRF token; none of them in the OpenAPI."""
    router = APIRouter(
        include_in_schema=False,
        default_response_class=HTMLResponse,
        dependencies=[Depends(verify_csrf)],
    )
    for module in PAGE_MODULES:
        router.include_router(module.router)
    return router


def mount_dashboard(app: FastAPI, settings: Settings) -> None:
    """Serve the dashboard from `app`; without a secret_key its pages say how to set one."""
    secret = settings.secret_key
    app.state.session_cookies = (
        SessionCookies(secret, settings.web)
        if secret is not None and len(secret.get_secret_value()) >= MIN_SERVER_KEY_LENGTH
        else None
    )
    app.include_router(dashboard_router())
    static = resources.files("leadflow.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    install_page_errors(app)
