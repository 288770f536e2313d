"""Options of `leadflow report`: the period, grouping, window, engine, format and chart."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from leadflow.analytics.request import day_period, window_duration
from leadflow.cli.report_output import ReportFormat


class Engine(StrEnum):
    """Where a report runs: on the store itself, or on DuckDB or Spark with the store copied in."""

    DB = "db"
    DUCKDB = "duckdb"
    SPARK = "spark"


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
    Engine,
    typer.Option(
        "--engine", help="db: query the store; duckdb or spark: copy it into DuckDB or Spark."
    ),
]
FormatOption = Annotated[ReportFormat, typer.Option("--format", "-f", help="table, json or csv.")]
ChartOption = Annotated[
    Path | None,
    typer.Option("--chart", help="Also draw a chart: FILE.png or FILE.html.", show_default=False),
]


def parse_window(text: str | None) -> timedelta | None:
    """A --window such as 90d, 12h or 2w as a duration."""
    return window_duration(text, named="--window") if text is not None else None


def period(start: datetime | None, end: datetime | None) -> tuple[datetime | None, datetime | None]:
    """--from and --to (days, both included) as a half-open period of instants."""
    return day_period(start.date() if start else None, end.date() if end else None)


def split_fields(values: list[str] | None) -> tuple[str, ...]:
    """Field names from repeated and comma-separated options."""
    return tuple(
        part.strip() for value in values or [] for part in value.split(",") if part.strip()
    )
