"""`leadflow import leads|accounts|activities FILE`: bring records in from CSV, JSONL, Parquet."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from leadflow.cli.options import DbOption, FormatOption, OutputFormat
from leadflow.cli.output import error_console, print_record
from leadflow.config import load_settings
from leadflow.errors import InvalidInputError
from leadflow.importing.plan import ColumnRules
from leadflow.importing.service import ImportOptions, ProgressCallback
from leadflow.storage.database import open_store

app = typer.Typer(
    help="Import leads, accounts or activities from CSV, JSON Lines or Parquet files.",
    no_args_is_help=True,
)

FileArgument = Annotated[
    Path,
    typer.Argument(help="A .csv, .tsv, .jsonl, .ndjson or .parquet file (.csv.gz, .jsonl.gz)."),
]
MapOption = Annotated[
    list[str] | None,
    typer.Option("--map", "-m", help="COLUMN=FIELD: read a column as a known field; repeatable."),
]
TypeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--type",
        "-t",
        help="COLUMN=TYPE: type of a custom column (text, number, boolean, datetime); repeatable.",
    ),
]
IgnoreOption = Annotated[
    list[str] | None, typer.Option("--ignore", help="COLUMN: leave a column out; repeatable.")
]
SkipOption = Annotated[
    bool,
    typer.Option(
        "--skip-invalid", help="Import the good rows; write the bad ones to a reject file."
    ),
]
RejectOption = Annotated[
    Path | None,
    typer.Option(
        "--reject-file",
        help="Where --skip-invalid writes bad rows (default: FILE's stem + .rejects.csv).",
        show_default=False,
    ),
]
NoScoreOption = Annotated[
    bool,
    typer.Option(
        "--no-score",
        help="Do not rescore the leads the import touched (run `leadflow score` later).",
    ),
]
TimeZoneOption = Annotated[
    str | None,
    typer.Option(
        "--time-zone",
        help="Time zone of times written without one (default: the time_zone setting, UTC).",
        show_default=False,
    ),
]


def _pairs(flag: str, items: list[str] | None) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in items or []:
        column, sep, value = item.partition("=")
        if not sep or not column.strip() or not value.strip():
            raise InvalidInputError(f"{flag} {item!r}: expected COLUMN=VALUE")
        pairs[column.strip()] = value.strip()
    return pairs


class _RowsPerSecond(ProgressColumn):
    """Rows read so far and how fast."""

    def render(self, task: Task) -> Text:
        rows = int(task.fields.get("rows", 0))
        elapsed = task.elapsed or 0.0
        speed = f"{rows / elapsed:,.0f} rows/s" if elapsed > 0 else ""
        return Text(f"{rows:,} rows  {speed}", style="cyan")


@contextmanager
def _progress_bar(path: Path) -> Iterator[ProgressCallback]:
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        _RowsPerSecond(),
        TimeElapsedColumn(),
        console=error_console,
        transient=True,
        disable=not error_console.is_terminal,
    ) as bar:
        task = bar.add_task(path.name, total=1.0, rows=0)

        def advance(rows: int, fraction: float | None) -> None:
            bar.update(task, completed=fraction or 0.0, rows=rows)

        yield advance


def _run_import(
    kind: str,
    path: Path,
    *,
    mappings: list[str] | None,
    types: list[str] | None,
    ignore: list[str] | None,
    skip_invalid: bool,
    reject_file: Path | None,
    time_zone: str | None,
    fmt: OutputFormat,
    db: str | None,
    score: bool = True,
) -> None:
    # Rescoring brings the batch engine (Ibis): loaded when an import runs, not for --help.
    from leadflow.ingest.imports import import_and_rescore

    settings = load_settings(database_url=db, time_zone=time_zone)
    options = ImportOptions.from_settings(
        settings,
        columns=ColumnRules(
            mappings=_pairs("--map", mappings),
            types=_pairs("--type", types),
            ignore=frozenset(ignore or []),
        ),
        skip_invalid=skip_invalid,
        reject_file=reject_file,
    )
    engine = open_store(settings.database_url)
    try:
        with _progress_bar(path) as progress:
            summary, rescore = import_and_rescore(
                engine=engine,
                kind=kind,
                path=path,
                settings=settings,
                options=options,
                progress=progress,
                score=score,
            )
    finally:
        engine.dispose()
    record = summary.as_dict() | rescore.as_dict()
    print_record(record, fmt, title=f"Imported {kind} from {path.name}")
    if summary.rejected and fmt is OutputFormat.TABLE:
        error_console.print(
            f"[yellow]{summary.rejected} bad rows skipped; see {summary.reject_file}[/yellow]",
            highlight=False,
        )


def _command(kind: str, example: str, summary: str | None = None) -> None:
    def command(
        file: FileArgument,
        mappings: MapOption = None,
        types: TypeOption = None,
        ignore: IgnoreOption = None,
        skip_invalid: SkipOption = False,
        reject_file: RejectOption = None,
        time_zone: TimeZoneOption = None,
        no_score: NoScoreOption = False,
        fmt: FormatOption = OutputFormat.TABLE,
        db: DbOption = None,
    ) -> None:
        _run_import(
            kind,
            file,
            mappings=mappings,
            types=types,
            ignore=ignore,
            skip_invalid=skip_invalid,
            reject_file=reject_file,
            time_zone=time_zone,
            fmt=fmt,
            db=db,
            score=not no_score,
        )

    summary = (
        summary
        or f"Import {kind}: known fields by name, every other column kept as a custom value."
    )
    command.__doc__ = (
        f"{summary}\n\n"
        f"Nothing is written if any row is bad, unless --skip-invalid. The leads the import"
        f" touched are then rescored under the active model, unless --no-score.\n\n"
        f"Example: {example}"
    )
    app.command(kind)(command)


_command("leads", "leadflow import leads contacts.csv --map 'Work Email=email'")
_command("accounts", "leadflow import accounts companies.parquet --skip-invalid")
_command("activities", "leadflow import activities events.jsonl.gz --time-zone Europe/Berlin")
_command(
    "spend",
    "leadflow import spend spend-2026.csv",
    "Import campaign spend: source, medium, campaign, month (YYYY-MM) or period_start and"
    " period_end, amount, currency. Importing a period again replaces its amount.",
)
