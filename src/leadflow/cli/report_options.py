"""Options of `leadflow report`: the period, grouping, window, engine, format and chart."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from leadflow.cli.report_output import ReportFormat
from leadflow.errors import InvalidInputError

_WINDOW = re.compile(r"^\s*(\d+)\s*([hdw])\s*$")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


class Engine(StrEnum):
    """Where a report runs: on the store itself, or on DuckDB with the store copied in."""

    DB = "db"
    DUCKDB = "duckdb"


FromOption = Annotated[
    datetime | None,
    typer.Option("--from", help="First day of the period (UTC), included.", formats=["%Y-%m-%d"]),
]
ToOption = Annotated[
    datetime | None,
    typer.Option("--to", help="Last day of the period (UTC), included.", formats=["%Y-%m-%d"]),
]
ByOption = Annotated[
    list[str] | None,
    typer.Option(
        "--by",
        help="Group by a lead field (source, campaign, persona, any attribute), owner, team,"
        " grade, fit_band or engagement_band; repeatable or comma-separated.",
        show_default=False,
    ),
]
WindowOption = Annotated[
    str | None,
    typer.Option("--window", help="Count a stage only if reached within this time: 90d, 12h, 2w."),
]
EngineOption = Annotated[
    Engine, typer.Option("--engine", help="db: query the store; duckdb: copy it into DuckDB.")
]
FormatOption = Annotated[ReportFormat, typer.Option("--format", "-f", help="table, json or csv.")]
ChartOption = Annotated[
    Path | None,
    typer.Option("--chart", help="Also draw a chart: FILE.png or FILE.html.", show_default=False),
]


def parse_window(text: str | None) -> timedelta | None:
    """A window such as 90d, 12h or 2w as a duration."""
    if text is None:
        return None
    match = _WINDOW.match(text)
    if not match or int(match.group(1)) == 0:
        raise InvalidInputError(f"--window {text!r}: expected a positive number and h, d or w")
    return int(match.group(1)) * _UNITS[match.group(2)]


def period(start: datetime | None, end: datetime | None) -> tuple[datetime | None, datetime | None]:
    """Days as instants: from the start day's midnight UTC to the midnight after the end day."""

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=UTC)

    first = midnight(start.date()) if start else None
    after = midnight(end.date() + timedelta(days=1)) if end else None
    if first and after and after <= first:
        raise InvalidInputError("--to must not be before --from")
    return first, after


def split_fields(values: list[str] | None) -> tuple[str, ...]:
    """Field names from repeated and comma-separated options."""
    return tuple(
        part.strip() for value in values or [] for part in value.split(",") if part.strip()
    )
