"""`leadflow demo --serve`: the demo world's dashboard, with a login for each role."""

from __future__ import annotations

import os
import secrets

from leadflow.cli.output import console
from leadflow.cli.serve import serve_command
from leadflow.config import Settings
from leadflow.demo.logins import create_demo_logins
from leadflow.storage.database import open_store, transaction


def serve_demo(settings: Settings, *, db: str | None, host: str, port: int) -> None:
    """Make the demo logins, print them, and serve the API and the dashboard."""
    engine = open_store(settings.database_url)
    try:
        with transaction(engine) as session:
            logins = create_demo_logins(session=session)
    finally:
        engine.dispose()
    console.print("\n[bold]Demo logins[/bold] (new passwords each run):")
    for login in logins:
        console.print(
            f"  {login.role:<9} {login.email}  password {login.password}"
            f"  [dim]# {login.note}[/dim]",
            soft_wrap=True,
            highlight=False,
        )
    if settings.secret_key is None:
        # Sessions need a signing key; one made for this run ends every session when it stops.
        os.environ["LEADFLOW_SECRET_KEY"] = secrets.token_urlsafe(32)
        console.print(
            "No secret_key configured: sessions are signed with a key made for this run.",
            highlight=False,
        )
    console.print(f"Dashboard: http://{host}:{port}/login", highlight=False)
    serve_command(host=host, port=port, workers=1, db=db)
