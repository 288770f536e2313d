"""`leadflow model train|export|import`, and trained models in `model list|show|activate`."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from leadflow.cli.options import (
    DbOption,
    FormatOption,
    OutputFormat,
    engine_for,
    parse_as_of,
    settings_for,
)
from leadflow.cli.output import console, print_record, print_rows
from leadflow.errors import InvalidInputError
from leadflow.predict import registry
from leadflow.predict.learners import DEFAULT_LEARNER
from leadflow.predict.models import TrainedModel
from leadflow.predict.service import activate_trained
from leadflow.predict.spec import FeatureSpec
from leadflow.predict.training import train_model
from leadflow.scoring.catalog import store_schema
from leadflow.scoring.language.durations import EXPECTED, parse_duration
from leadflow.storage.database import session_factory


def train_command(
    target: Annotated[
        str, typer.Option(help="The stage to predict: sql, customer or any stage.")
    ] = "sql",
    horizon: Annotated[str, typer.Option(help="Reached within this long (e.g. 90d).")] = "90d",
    as_of: Annotated[str | None, typer.Option(help="Train as of this time (default now).")] = None,
    learner: Annotated[str, typer.Option(help="logistic or lightgbm.")] = DEFAULT_LEARNER,
    engine: Annotated[str, typer.Option(help="Where features are built: duckdb or db.")] = "duckdb",
    folds: Annotated[int, typer.Option(help="Folds of the k-fold evaluation.", min=2)] = 5,
    activate: Annotated[
        bool, typer.Option("--activate", help="Make it the active trained model.")
    ] = False,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Learn who converts from the store's history: point-in-time features, labels,
    time-holdout and k-fold metrics, then the calibrated model kept as a new version.

    Example: leadflow model train --target sql --horizon 90d --learner lightgbm --activate
    """
    span = parse_duration(horizon)
    if span is None:
        raise InvalidInputError(f"--horizon {horizon!r}: expected {EXPECTED}")
    if engine not in ("db", "duckdb"):
        raise InvalidInputError(f"--engine {engine!r}: use duckdb or db")
    result = train_model(
        engine=engine_for(db),
        settings=settings_for(db),
        target=target,
        horizon=span,
        as_of=parse_as_of(as_of, db),
        learner=learner,
        kind=engine,  # type: ignore[arg-type]
        activate=activate,
        folds=folds,
    )
    print_record(asdict(result), fmt, title=f"Trained model {result.version}")


def trained_rows(session: Any) -> list[dict[str, Any]]:
    """`model list` rows of the trained models."""
    return [
        {
            "version": m.version,
            "kind": m.kind,
            "name": f"predicts {m.target} within {m.card.get('horizon_days', 0):g} days",
            "active": m.is_active,
            "created_at": m.created_at,
            "activated_at": m.activated_at,
            "roc_auc": _auc(m),
        }
        for m in registry.list_models(session=session)
    ]


def _auc(model: TrainedModel) -> float | None:
    metrics = model.card.get("metrics", {})
    chosen = metrics.get("holdout") or metrics.get("kfold") or {}
    return chosen.get("roc_auc")


def show_trained(model: TrainedModel, fmt: OutputFormat) -> None:
    """Print a trained model's card: what it predicts, from which data, how well."""
    card = model.card
    if fmt is OutputFormat.JSON:
        print_record({"version": model.version, "active": model.is_active, **card}, fmt)
        return
    summary = {
        "version": model.version,
        "learner": f"{model.kind} ({card.get('calibration')} calibration)",
        "active": model.is_active,
        "predicts": f"{model.target} within {card['horizon_days']:g} days",
        "as_of": card["as_of"],
        "prediction times": f"{card['prediction_times'][-1]} .. {card['prediction_times'][0]}",
        "rows (leads)": f"{card['rows']} ({card['leads']})",
        "positives / negatives": f"{card['positives']} / {card['negatives']}",
        "left out (horizon not passed)": card["pending_leads"],
        "features": len(FeatureSpec.from_card(card["features"]).columns),
        "libraries": ", ".join(f"{k} {v}" for k, v in card["libraries"].items()),
    }
    if card.get("holdout_note"):
        summary["holdout"] = card["holdout_note"]
    print_record(summary, fmt, title=f"Trained model {model.version}")
    rows = []
    for metrics in card["metrics"].values():
        if metrics:
            keep = ("roc_auc", "pr_auc", "brier", "ece", "top_decile_lift", "n", "positives")
            rows.append({"evaluation": metrics["scheme"], **{k: metrics[k] for k in keep}})
    print_rows(rows, fmt, title="Metrics")
    chosen = card["metrics"].get("holdout") or card["metrics"]["kfold"]
    print_rows(chosen["calibration"], fmt, title="Calibration (predicted vs observed)")


def activate_trained_command(version: str, as_of: Any, fmt: OutputFormat, db: str | None) -> None:
    """`model activate pN`: the trained model scores every lead, and rules rescore."""
    result = activate_trained(
        engine=engine_for(db), settings=settings_for(db), version=version, as_of=as_of
    )
    summary = {"version": result.version, "leads_predicted": result.leads_predicted}
    if result.rules is not None:
        summary |= {f"rules_{k}": v for k, v in asdict(result.rules).items()}
    print_record(summary, fmt, title=f"Activated trained model {version}")


def export_command(
    version: Annotated[str, typer.Argument(help="The trained model version (e.g. p3).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write.")],
    db: DbOption = None,
) -> None:
    """Write a trained model (card and estimator) to one file another store can import.

    Example: leadflow model export p3 -o model-p3.json
    """
    with session_factory(engine_for(db))() as session:
        registry.export_model(session=session, version=version, path=output)
    console.print(f"wrote {output}")


def import_command(
    model_file: Annotated[Path, typer.Argument(help="A file written by `model export`.")],
    db: DbOption = None,
) -> None:
    """Record a trained model from a file, if this store can build its features.

    Example: leadflow model import model-p3.json
    """
    with session_factory(engine_for(db)).begin() as session:
        schema = store_schema(session=session)
        record = registry.import_model(session=session, path=model_file, schema=schema)
        version = record.version
    console.print(f"[green]ok[/green] recorded trained model {version}")
