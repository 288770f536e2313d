"""`leadflow init`: a starter configuration file and a migrated database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leadflow.cli.options import DbOption
from leadflow.cli.output import console
from leadflow.config import DEFAULT_CONFIG_FILE, DEFAULT_DATABASE_URL, load_settings
from leadflow.errors import InvalidInputError
from leadflow.scoring.model_file import starter_model_text
from leadflow.storage.database import open_store

STARTER_CONFIG = """\
# leadflow configuration. Every setting can also be given as an environment variable
# LEADFLOW_<NAME> (e.g. LEADFLOW_DATABASE_URL), which wins over this file; --db wins over both.
# See docs/configuration.md.

# The operational store: SQLite file (embedded default) or PostgreSQL.
#   database_url = "postgresql://leadflow@db.internal/leadflow"
database_url = "{database_url}"

# The scoring model file: fit, engagement, junk filters and MQL criteria (docs/scoring.md).
# `leadflow model activate` records a version of it in the database and rescores everyone.
scoring_model = "{scoring_model}"

# The team's time zone: business hours and SLA deadlines are counted in it.
time_zone = "UTC"

# Domains to treat as free mail (never an account) or disposable (junk), on top of the
# packaged lists.
extra_free_mail_domains = []
extra_disposable_domains = []
"""


def init_command(
    directory: Annotated[
        Path, typer.Argument(help="Where to write leadflow.toml.", file_okay=False)
    ] = Path("."),
    force: Annotated[bool, typer.Option(help="Overwrite an existing leadflow.toml.")] = False,
    db: DbOption = None,
) -> None:
    """Write a starter leadflow.toml and scoring.yaml, and create (or migrate) the database.

    Example: leadflow init --db postgresql://leadflow@localhost/leadflow
    """
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / DEFAULT_CONFIG_FILE
    if config_path.exists() and not force:
        raise InvalidInputError(f"{config_path} exists; pass --force to overwrite it")
    database_url = load_settings(database_url=db or DEFAULT_DATABASE_URL).database_url
    relative = database_url.removeprefix("sqlite:///")
    if database_url.startswith("sqlite:///") and not Path(relative).is_absolute():
        # A relative SQLite path is resolved against the working directory, so the config
        # file names the database absolutely: it then works from wherever leadflow runs.
        database_url = f"sqlite:///{(directory / relative).resolve().as_posix()}"
    open_store(database_url).dispose()
    model_path = (directory / "scoring.yaml").resolve()
    if not model_path.exists() or force:
        model_path.write_text(starter_model_text(), encoding="utf-8")
    config_path.write_text(
        STARTER_CONFIG.format(database_url=database_url, scoring_model=model_path.as_posix())
    )
    console.print(f"wrote [bold]{config_path}[/bold] and [bold]{model_path.name}[/bold]")
    console.print(f"database ready at {database_url}")
    console.print("next: [bold]leadflow import leads FILE[/bold] or [bold]leadflow demo[/bold]")
