"""`leadflow serve`: the HTTP API (and, as they arrive, the background workers)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from leadflow.cli.options import DbOption, settings_for
from leadflow.cli.output import console
from leadflow.storage.database import open_store


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 for all.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Server processes; each builds its own app.")
    ] = 1,
    db: DbOption = None,
) -> None:
    """Serve the HTTP API, with OpenAPI docs at /docs.

    Example: leadflow serve --host 0.0.0.0 --port 8000 --workers 4 --db postgresql://leadflow@db/leadflow
    """
    # The server's libraries load when it starts, not for `leadflow --help`.
    import uvicorn

    from leadflow.api.app import NO_BACKGROUND_ENV

    settings = settings_for(db)
    # Migrate once here, so workers starting together never race to migrate.
    open_store(settings.database_url).dispose()
    # Workers build the app from their environment: hand them the database this run uses.
    os.environ["LEADFLOW_DATABASE_URL"] = settings.database_url
    if settings.database_url.startswith("sqlite") and workers > 1:
        # SQLite cannot share the SLA sweep between processes: run it once, on its own.
        os.environ[NO_BACKGROUND_ENV] = "1"
        console.print(
            "SQLite with several workers: run `leadflow sla run` and `leadflow webhooks run` "
            "in one separate process for SLA escalation and webhook delivery",
            highlight=False,
        )
    console.print(f"leadflow API on http://{host}:{port} (docs at /docs)", highlight=False)
    uvicorn.run("leadflow.api.app:serve_app", factory=True, host=host, port=port, workers=workers)
