"""Options every command shares, and opening the store they point at."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from sqlalchemy import Engine

from leadflow.config import Settings, load_settings
from leadflow.storage.database import open_store

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL (default: LEADFLOW_DATABASE_URL, leadflow.toml, sqlite:///leadflow.db).",
        show_default=False,
    ),
]


class OutputFormat(StrEnum):
    """How a command prints its result."""

    TABLE = "table"
    JSON = "json"


FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="table for people, json for programs.")
]


def settings_for(db: str | None) -> Settings:
    """Settings with the --db flag applied."""
    return load_settings(database_url=db)


def engine_for(db: str | None) -> Engine:
    """The migrated store that --db (or the configuration) names."""
    return open_store(settings_for(db).database_url)
