"""Options every command shares, and opening the store they point at."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from pydantic import ValidationError
from sqlalchemy import Engine

from leadflow.config import Settings, load_settings
from leadflow.engines.config import LOCAL, SparkConfig
from leadflow.errors import InvalidInputError
from leadflow.importing.values import parse_datetime
from leadflow.storage.base import utcnow
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


SparkMasterOption = Annotated[
    str | None,
    typer.Option(
        "--spark-master",
        help="With --engine spark: local[*] (default), local[N] or a cluster URL.",
        show_default=False,
    ),
]
SparkRemoteOption = Annotated[
    str | None,
    typer.Option(
        "--spark-remote",
        help="With --engine spark: a Spark Connect server, sc://HOST:PORT.",
        show_default=False,
    ),
]


def settings_with_spark(db: str | None, master: str | None, remote: str | None) -> Settings:
    """Settings with --db and the Spark flags applied (a flag replaces the other place)."""
    settings = settings_for(db)
    if master is None and remote is None:
        return settings
    if master is not None and remote is not None:
        raise InvalidInputError("--spark-master and --spark-remote: give one, not both")
    given = settings.spark.model_dump()
    given |= {"master": master, "remote": None} if master else {"master": LOCAL, "remote": remote}
    try:
        spark = SparkConfig.model_validate(given)
    except ValidationError as exc:
        flag = "--spark-master" if master else "--spark-remote"
        raise InvalidInputError(f"{flag}: {exc.errors()[0]['msg']}") from exc
    return settings.model_copy(update={"spark": spark})


def parse_as_of(text: str | None, db: str | None) -> datetime:
    """An --as-of value in the configured time zone; now when not given."""
    if text is None:
        return utcnow()
    try:
        return parse_datetime(text, ZoneInfo(settings_for(db).time_zone))
    except ValueError as exc:
        raise InvalidInputError(f"--as-of {text!r}: {exc}") from exc
