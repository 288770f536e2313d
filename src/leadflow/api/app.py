"""The FastAPI application: built from settings, so every server process makes its own."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from leadflow import __version__
from leadflow.api import background, segment
from leadflow.api.background import BackgroundLoop
from leadflow.api.errors import add_problem_schemas, install_error_handlers
from leadflow.api.health import health_router
from leadflow.api.limits import BodySizeLimit
from leadflow.api.resources import api_router
from leadflow.config import Settings, load_settings
from leadflow.sla.sweeper import sla_sweeper
from leadflow.storage.database import open_store, session_factory
from leadflow.web.routes import mount_dashboard
from leadflow.webhooks.worker import webhook_delivery

DESCRIPTION = """\
Lead qualification over HTTP: the same services as the `leadflow` command. The web
dashboard is served by the same server at `/`.

Every route under `/api/v1` needs an API key (`leadflow keys create`), sent as
`Authorization: Bearer <key>` or `X-API-Key: <key>`. A key acts with its user's role;
a sales key sees and acts on its own rep's leads only. Errors are
`application/problem+json` bodies that name the field and the reason.
"""

# The loops `leadflow serve` runs beside the API. Both claim work with SKIP LOCKED on
# PostgreSQL, so every server process may run them; on SQLite only a single-process server
# runs them (see `background_allowed`).
SERVER_LOOPS: tuple[BackgroundLoop, ...] = (sla_sweeper, webhook_delivery)

# Set by `leadflow serve` when its processes must not run the loops (SQLite, several workers).
NO_BACKGROUND_ENV = "LEADFLOW_SERVE_NO_BACKGROUND"


def create_app(settings: Settings, *, loops: Sequence[BackgroundLoop] = ()) -> FastAPI:
    """The API on the store the settings name (migrated first), running `loops` while up."""
    engine = open_store(settings.database_url)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with background.running(engine, loops):
            yield
        engine.dispose()

    app = FastAPI(
        title="leadflow",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.api.max_body_bytes)
    app.include_router(health_router)
    app.include_router(api_router())
    # Segment's tracking API lives at the root, where Segment libraries send (/v1/...).
    app.include_router(segment.router)
    # The web dashboard: HTML pages at /, its files at /static (see docs/dashboard.md).
    mount_dashboard(app, settings)
    generate_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        return add_problem_schemas(generate_openapi())

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def serve_app() -> FastAPI:
    """The app each `leadflow serve` worker builds: settings from its environment."""
    loops = () if os.environ.get(NO_BACKGROUND_ENV) == "1" else SERVER_LOOPS
    return create_app(load_settings(), loops=loops)
