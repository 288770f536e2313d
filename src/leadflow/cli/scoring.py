"""`leadflow model` (the scoring model's versions) and `leadflow score` (batch rescoring)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from leadflow.audit.service import Auditor
from leadflow.cli import evaluate, predict, trained
from leadflow.cli.options import (
    DbOption,
    FormatOption,
    OutputFormat,
    SparkMasterOption,
    SparkRemoteOption,
    engine_for,
    parse_as_of,
    settings_for,
    settings_with_spark,
)
from leadflow.cli.output import console, print_record, print_rows
from leadflow.errors import InvalidInputError
from leadflow.predict.models import TrainedModel
from leadflow.scoring import diff, versions
from leadflow.scoring.batch_inputs import ExportSources
from leadflow.scoring.catalog import store_schema
from leadflow.scoring.model_file import parse_model
from leadflow.scoring.service import score_everyone
from leadflow.storage.database import session_factory

model_app = typer.Typer(
    help="Scoring model versions: validate, activate, list.", no_args_is_help=True
)
score_app = typer.Typer(
    help="Rescore every lead in batch.", invoke_without_command=True, no_args_is_help=False
)

ModelFile = Annotated[Path, typer.Argument(help="Scoring model file (YAML).", dir_okay=False)]


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
    A trained model's version (`p3`) instead of a file makes it the model that scores
    conversion probability; every lead is rescored with it, then with the rule model.
    Example: leadflow model activate scoring.yaml
    """
    if not model_file.exists() and _is_trained(str(model_file), db):
        trained.activate_trained_command(str(model_file), parse_as_of(as_of, db), fmt, db)
        return
    summary = score_everyone(
        engine=engine_for(db),
        settings=settings_for(db),
        model_file=model_file,
        make_active=True,
        as_of=parse_as_of(as_of, db),
        auditor=Auditor.at_the_command_line(),
    )
    print_record(asdict(summary), fmt, title="Activated and rescored")


@model_app.command("list")
def list_command(fmt: FormatOption = OutputFormat.TABLE, db: DbOption = None) -> None:
    """List recorded model versions, rule models then trained ones, newest first.

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
        rows = [{"kind": "rules", **row} for row in rows] + trained.trained_rows(session)
    print_rows(rows, fmt, title="Scoring model versions (rules and trained)")


@model_app.command("show")
def show_command(
    version: Annotated[
        str | None, typer.Argument(help="Version (default: the active one).")
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Print a recorded version's model file exactly as it was recorded, or a trained
    model's card (what it predicts, from which data, its metrics and calibration).

    Example: leadflow model show 3 > scoring-v3.yaml
    """
    with session_factory(engine_for(db))() as session:
        if version and session.get(TrainedModel, version) is not None:
            trained.show_trained(session.get(TrainedModel, version), fmt)
            return
        record = (
            versions.get_version(session=session, version=version)
            if version
            else versions.active_version(session=session)
        )
        if record is None:
            raise InvalidInputError("no active scoring model; see `leadflow model activate`")
        print(record.source, end="")


def _is_trained(version: str, db: str | None) -> bool:
    with session_factory(engine_for(db))() as session:
        return session.get(TrainedModel, version) is not None


model_app.command("train")(trained.train_command)
model_app.command("export")(trained.export_command)
model_app.command("import")(trained.import_command)


@score_app.callback()
def score_command(
    ctx: typer.Context,
    model_file: Annotated[
        Path | None,
        typer.Option("--model", help="Model file (default: the active version).", dir_okay=False),
    ] = None,
    as_of: Annotated[str | None, typer.Option(help="Score as of this time (default now).")] = None,
    engine: Annotated[
        str, typer.Option(help="Where the batch runs: db (the store), duckdb or spark.")
    ] = "db",
    activities: Annotated[
        list[str] | None,
        typer.Option(
            "--activities",
            help="Activity exports: Parquet/CSV files or folders (spark: also s3a://... URIs).",
        ),
    ] = None,
    leads: Annotated[
        list[str] | None,
        typer.Option("--leads", help="Lead exports instead of the store's leads; needs --output."),
    ] = None,
    accounts: Annotated[
        list[str] | None,
        typer.Option("--accounts", help="Account exports, for leads read with --leads."),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output", help="Write the scores as Parquet into this folder, not into the store."
        ),
    ] = None,
    spark_master: SparkMasterOption = None,
    spark_remote: SparkRemoteOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Rescore every lead from its full history (fit, engagement, grade, MQL).

    Under the active model, leads still marketing's move to mql or disqualified as their
    score says; another version's scores are kept apart for comparison. With --output the
    scores go to Parquet files instead and the store is left as it is.
    Example: leadflow score --engine spark --activities exports/activities/ --output scores/
    """
    if ctx.invoked_subcommand is not None:
        return
    if engine not in ("db", "duckdb", "spark"):
        raise InvalidInputError(f"--engine {engine!r}: use db, duckdb or spark")
    if (spark_master or spark_remote) and engine != "spark":
        raise InvalidInputError("--spark-master and --spark-remote go with --engine spark")
    settings = settings_with_spark(db, spark_master, spark_remote)
    summary = score_everyone(
        engine=engine_for(db),
        settings=settings,
        model_file=model_file,
        as_of=parse_as_of(as_of, db),
        kind=engine,  # type: ignore[arg-type]
        sources=ExportSources(tuple(activities or ()), tuple(leads or ()), tuple(accounts or ())),
        output=output,
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


# The learned-model commands live in cli/predict.py and join the `model` group here.
model_app.command("evaluate")(evaluate.evaluate_command)
model_app.command("threshold")(predict.threshold_command)
model_app.command("backtest")(predict.backtest_command)
model_app.command("suggest")(predict.suggest_command)
