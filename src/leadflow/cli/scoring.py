"""`leadflow model` (the scoring model's versions) and `leadflow score` (batch rescoring)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape

from leadflow.audit.service import Auditor
from leadflow.cli.options import DbOption, FormatOption, OutputFormat, engine_for, settings_for
from leadflow.cli.output import console, print_record, print_rows
from leadflow.errors import InvalidInputError
from leadflow.importing.values import parse_datetime
from leadflow.scoring import diff, versions
from leadflow.scoring.catalog import store_schema
from leadflow.scoring.model_file import parse_model
from leadflow.scoring.service import score_everyone
from leadflow.storage.base import utcnow
from leadflow.storage.database import session_factory

model_app = typer.Typer(
    help="Scoring model versions: validate, activate, list.", no_args_is_help=True
)
score_app = typer.Typer(
    help="Rescore every lead in batch.", invoke_without_command=True, no_args_is_help=False
)

ModelFile = Annotated[Path, typer.Argument(help="Scoring model file (YAML).", dir_okay=False)]


def _as_of(text: str | None, db: str | None) -> datetime:
    if text is None:
        return utcnow()
    try:
        return parse_datetime(text, ZoneInfo(settings_for(db).time_zone))
    except ValueError as exc:
        raise InvalidInputError(f"--as-of {text!r}: {exc}") from exc


@model_app.command("validate")
def validate_command(model_file: ModelFile, db: DbOption = None) -> None:
    """Check a model file against the store's attributes and events; nothing is changed.

    Example: leadflow model validate scoring.yaml
    """
    try:
        text = model_file.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(f"cannot read {model_file}: {exc.strerror}") from exc
    with session_factory(engine_for(db))() as session:
        model = parse_model(text, file=str(model_file), schema=store_schema(session=session))
    console.print(
        f"[green]ok[/green] {escape(model.name)} version {escape(model.version)}: "
        f"{len(model.fit_rules)} fit, "
        f"{len(model.engagement_rules)} engagement and {len(model.disqualify_rules)} "
        "disqualify rules"
    )


@model_app.command("activate")
def activate_command(
    model_file: ModelFile,
    as_of: Annotated[str | None, typer.Option(help="Score as of this time (default now).")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Record a model version, make it the one in force, and rescore every lead with it.

    The previous version's scores are kept for `leadflow score diff`; stages never move back.
    Example: leadflow model activate scoring.yaml
    """
    summary = score_everyone(
        engine=engine_for(db),
        settings=settings_for(db),
        model_file=model_file,
        make_active=True,
        as_of=_as_of(as_of, db),
        auditor=Auditor.at_the_command_line(),
    )
    print_record(asdict(summary), fmt, title="Activated and rescored")


@model_app.command("list")
def list_command(fmt: FormatOption = OutputFormat.TABLE, db: DbOption = None) -> None:
    """List recorded model versions, newest first.

    Example: leadflow model list --format json
    """
    with session_factory(engine_for(db))() as session:
        rows = [
            {
                "version": v.version,
                "name": v.name,
                "active": v.is_active,
                "created_at": v.created_at,
                "activated_at": v.activated_at,
                "source_file": v.source_file,
                "checksum": v.checksum[:12],
            }
            for v in versions.list_versions(session=session)
        ]
    print_rows(rows, fmt, title="Scoring model versions")


@model_app.command("show")
def show_command(
    version: Annotated[
        str | None, typer.Argument(help="Version (default: the active one).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Print a recorded version's model file exactly as it was recorded.

    Example: leadflow model show 3 > scoring-v3.yaml
    """
    with session_factory(engine_for(db))() as session:
        record = (
            versions.get_version(session=session, version=version)
            if version
            else versions.active_version(session=session)
        )
        if record is None:
            raise InvalidInputError("no active scoring model; see `leadflow model activate`")
        print(record.source, end="")


@score_app.callback()
def score_command(
    ctx: typer.Context,
    model_file: Annotated[
        Path | None,
        typer.Option("--model", help="Model file (default: the active version).", dir_okay=False),
    ] = None,
    as_of: Annotated[str | None, typer.Option(help="Score as of this time (default now).")] = None,
    engine: Annotated[str, typer.Option(help="Where the batch runs: db or duckdb.")] = "db",
    activities: Annotated[
        list[Path] | None,
        typer.Option("--activities", help="Parquet/CSV activity export(s); with --engine duckdb."),
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Rescore every lead from its full history (fit, engagement, grade, MQL).

    Under the active model, leads still marketing's move to mql or disqualified as their
    score says; another version's scores are kept apart for comparison.
    Example: leadflow score --engine duckdb --as-of 2026-10-31
    """
    if ctx.invoked_subcommand is not None:
        return
    if engine not in ("db", "duckdb"):
        raise InvalidInputError(f"--engine {engine!r}: use db or duckdb")
    summary = score_everyone(
        engine=engine_for(db),
        settings=settings_for(db),
        model_file=model_file,
        as_of=_as_of(as_of, db),
        kind=engine,  # type: ignore[arg-type]
        activity_files=activities or (),
        # `score --model FILE` records the file as a version (and activates the first one).
        auditor=Auditor.at_the_command_line(),
    )
    print_record(asdict(summary), fmt, title="Scored")


@score_app.command("diff")
def diff_command(
    old: Annotated[str, typer.Argument(help="The old model version.")],
    new: Annotated[str, typer.Argument(help="The new model version.")],
    top: Annotated[int, typer.Option(help="How many biggest movers to list.")] = 10,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Compare two versions' scores: grade-cell changes, MQL changes, biggest movers.

    Example: leadflow score diff 1 2
    """
    with session_factory(engine_for(db))() as session:
        result = diff.diff_versions(session=session, old=old, new=new, top=top)
    if fmt is OutputFormat.JSON:
        print_record(asdict(result), fmt)
        return
    print_record(
        {
            "leads compared": result.leads_compared,
            "grade cell changed": result.grade_changed,
            "became MQL": result.became_mql,
            "no longer MQL": result.stopped_being_mql,
        },
        fmt,
        title=f"Version {old} -> {new}",
    )
    print_rows(result.grade_moves, fmt, title="Grade cell moves")
    print_rows(result.biggest_movers, fmt, title="Biggest movers")
