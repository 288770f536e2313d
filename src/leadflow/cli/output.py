"""Printing results: Rich tables for people, JSON for programs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from leadflow.cli.options import OutputFormat

console = Console()
error_console = Console(stderr=True, soft_wrap=True)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def to_json(value: Any) -> str:
    """JSON text for a result, dates as ISO 8601."""
    return json.dumps(value, default=_json_default, indent=2, ensure_ascii=False)


def _cell(value: Any) -> str:
    # Stored text is data, never Rich markup: `[/bold]` in a name must print as typed.
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, Mapping | list):
        return escape(json.dumps(value, default=_json_default, ensure_ascii=False))
    return escape(str(value))


def print_rows(
    rows: Sequence[Mapping[str, Any]],
    fmt: OutputFormat,
    *,
    title: str | None = None,
    table_columns: Sequence[str] | None = None,
) -> None:
    """Print a list of records: a table (of `table_columns`, default all), or a JSON array."""
    if fmt is OutputFormat.JSON:
        print(to_json(list(rows)))
        return
    if not rows:
        console.print("[dim]no rows[/dim]")
        return
    columns = list(table_columns or rows[0].keys())
    table = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        table.add_column(escape(column), overflow="fold")
    for row in rows:
        table.add_row(*(_cell(row.get(column)) for column in columns))
    console.print(table)


def print_record(record: Mapping[str, Any], fmt: OutputFormat, *, title: str | None = None) -> None:
    """Print one record: a two-column table (nested records as sections), or a JSON object."""
    if fmt is OutputFormat.JSON:
        print(to_json(record))
        return
    table = Table(title=title, show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in record.items():
        if isinstance(value, Mapping) and value:
            table.add_row(key, "")
            for sub_key, sub_value in value.items():
                table.add_row(f"  {escape(str(sub_key))}", _cell(sub_value))
        else:
            table.add_row(escape(key), _cell(value))
    console.print(table)
