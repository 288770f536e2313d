"""Printing a report: a Rich table for people, JSON or CSV for programs."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from leadflow.analytics.csv_export import write_csv
from leadflow.analytics.registry import ReportResult
from leadflow.cli.output import console, to_json

# Columns shown as percentages in a table (the data keeps fractions).
_PERCENT = re.compile(r"(^|_)(rate|share|compliance|roi)$")
_MONEY = re.compile(r"^(revenue|spend|credit|cost_per_\w+)$")


class ReportFormat(StrEnum):
    """How a report prints: a table for people, JSON or CSV for programs."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def print_result(result: ReportResult, fmt: ReportFormat) -> None:
    """Print a report's rows as a table, a JSON object or CSV."""
    if fmt is ReportFormat.JSON:
        print(to_json(result.as_dict()))
        return
    if fmt is ReportFormat.CSV:
        write_csv(sys.stdout, result.columns, result.rows)
        return
    if not result.rows:
        console.print(f"[dim]{result.title}: no rows[/dim]", highlight=False)
        return
    print_table(report_table(result))


def print_table(table: Table) -> None:
    """Print a report table whole: a number or a name cut over two lines misreads, so a
    table wider than the terminal keeps its width (the terminal wraps, a pager scrolls)."""
    natural = console.measure(table, options=console.options.update_width(1_000)).maximum
    wide = console if natural <= console.width else Console(width=natural)
    wide.print(table)


def report_table(result: ReportResult, columns: Sequence[str] | None = None) -> Table:
    """A report as a Rich table: counts with separators, rates as percentages, hours."""
    table = Table(title=result.title, header_style="bold")
    # A column empty in every row (no spend imported, say) only takes room on screen.
    wanted = columns or result.columns
    shown = [c for c in wanted if any(row.get(c) is not None for row in result.rows)]
    for column in shown:
        numeric = any(isinstance(row.get(column), int | float) for row in result.rows)
        table.add_column(column, justify="right" if numeric else "left", no_wrap=True)
    for row in result.rows:
        table.add_row(*(_cell(column, row.get(column)) for column in shown))
    return table


def _cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        # A group's value is data (a campaign called `[/b]`), never Rich markup.
        return escape(str(value))
    if _PERCENT.search(column):
        return f"{value:.0%}" if abs(value) >= 10 else f"{value:.1%}"
    if _MONEY.search(column):
        return f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.2f}"
