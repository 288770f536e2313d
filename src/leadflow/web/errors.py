"""Errors on dashboard pages as HTML pages, with the status and words the API would use.

The API's handlers (api/errors.py) decide each error's status and detail; for a page request
their problem body is rendered into the error page instead, so both read the same way and a
500 shows an incident number, never a traceback.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import WebSocketRequestValidationError
from fastapi.responses import Response

from leadflow.web.deps import DashboardUnavailable, LoginRequired
from leadflow.web.templating import redirect, render
from leadflow.webhooks.signing import HOW_TO_SET_KEY

Handler = Callable[[Request, Exception], Awaitable[Response]]
# Paths that are not dashboard pages: they keep the API's problem+json errors.
NOT_PAGES = ("/api/", "/v1/", "/healthz", "/docs", "/openapi.json", "/static/")
# Headers of a problem response that still mean something on a page.
_KEPT_HEADERS = ("Retry-After",)


def is_page(request: Request) -> bool:
    """Whether the request is for a dashboard page (not the API, Segment, docs or files)."""
    path = request.url.path
    return not any(path == prefix.rstrip("/") or path.startswith(prefix) for prefix in NOT_PAGES)


def error_page(request: Request, status: int, detail: str, headers: dict[str, str]) -> Response:
    """The error page for a status and what went wrong."""
    response = render(
        request,
        "error.html.j2",
        status=status,
        title=HTTPStatus(status).phrase,
        status_code=status,
        detail=detail,
    )
    response.headers.update(headers)
    return response


def _as_page(api_handler: Callable[[Request, Any], Any]) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        response = api_handler(request, exc)
        if inspect.isawaitable(response):
            response = await response
        if not is_page(request):
            return response
        problem = json.loads(bytes(response.body))
        kept = {name: response.headers[name] for name in _KEPT_HEADERS if name in response.headers}
        return error_page(request, response.status_code, str(problem.get("detail", "")), kept)

    return handle


async def _login_required(request: Request, _: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect(request, f"/login?next={quote(target, safe='/')}")


async def _unavailable(request: Request, _: Exception) -> Response:
    detail = (
        "The dashboard needs a secret key to sign its sessions, and this server has none "
        f"or a shorter one: {HOW_TO_SET_KEY}; then restart leadflow serve. "
        "The HTTP API works without it."
    )
    return error_page(request, 503, detail, {})


def install_page_errors(app: FastAPI) -> None:
    """Answer errors on dashboard pages with HTML; call after the API's handlers are in."""
    for kind, handler in list(app.exception_handlers.items()):
        if kind is not WebSocketRequestValidationError:
            app.exception_handlers[kind] = _as_page(handler)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(DashboardUnavailable, _unavailable)
