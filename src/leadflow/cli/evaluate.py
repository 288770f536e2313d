"""`leadflow model evaluate`: train and measure a learner on a plain CRM export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from leadflow.cli.options import FormatOption, OutputFormat
from leadflow.cli.output import console, error_console, print_record, print_rows, to_json
from leadflow.predict.dataset import MIN_NEGATIVES, MIN_POSITIVES
from leadflow.predict.export import ExportEvaluation, evaluate_export
from leadflow.predict.leaks import LEAK_AUC_THRESHOLD
from leadflow.predict.learners import DEFAULT_LEARNER
from leadflow.predict.metrics import Evaluation


def _metrics(evaluation: Evaluation) -> dict[str, Any]:
    return {
        "roc_auc": round(evaluation.roc_auc, 4),
        "pr_auc": round(evaluation.pr_auc, 4),
        "brier": round(evaluation.brier, 4),
        "ece": round(evaluation.ece, 4),
        "top_decile_lift": round(evaluation.top_decile_lift, 3),
        "top_decile_share": round(evaluation.top_decile_share, 4),
        "n": evaluation.n,
        "positives": evaluation.positives,
    }


def _calibration_rows(evaluation: Evaluation) -> list[dict[str, Any]]:
    return [
        {
            "band": f"{b.low:.1f}-{b.high:.1f}",
            "leads": b.count,
            "predicted": round(b.predicted, 4),
            "observed": round(b.observed, 4),
        }
        for b in evaluation.calibration
    ]


def _export_record(result: ExportEvaluation) -> dict[str, Any]:
    record: dict[str, Any] = {
        "file": result.file,
        "target": result.target,
        "positive": result.positive,
        "learner": result.learner,
        **_metrics(result.cross_validation),
        "leaks": [leak.column for leak in result.leaks],
        "leak_aucs": {leak.column: round(leak.auc, 4) for leak in result.leaks},
        "dropped_leaks": list(result.dropped_leaks),
        "rows_without_target": result.rows_without_target,
        "numeric": list(result.numeric),
        "categorical": list(result.categorical),
        "ignored": result.ignored,
        "column_aucs": {s.column: round(s.auc, 4) for s in result.signals},
        "calibration": _calibration_rows(result.cross_validation),
    }
    if result.time_holdout is not None:
        record["time_holdout"] = {
            "scheme": result.time_holdout_scheme,
            **_metrics(result.time_holdout),
            "calibration": _calibration_rows(result.time_holdout),
        }
    return record


def evaluate_command(
    csv_file: Annotated[Path, typer.Option("--csv", help="The export (CSV, `,` or `;`).")],
    target: Annotated[str, typer.Option(help="The outcome column.")],
    positive: Annotated[
        str | None, typer.Option(help="The target value that counts as converted.")
    ] = None,
    id_column: Annotated[
        str | None, typer.Option("--id", help="An identifier column, never a feature.")
    ] = None,
    drop: Annotated[str | None, typer.Option(help="Comma-separated columns to leave out.")] = None,
    time_column: Annotated[
        str | None, typer.Option(help="A date column: also test on the latest 20 % of rows.")
    ] = None,
    drop_leaks: Annotated[
        bool, typer.Option("--drop-leaks", help="Leave out the columns the leak check names.")
    ] = False,
    learner: Annotated[str, typer.Option(help="lightgbm or logistic.")] = DEFAULT_LEARNER,
    leak_threshold: Annotated[
        float, typer.Option(help="Single-column ROC AUC from which a column counts as a leak.")
    ] = LEAK_AUC_THRESHOLD,
    min_positives: Annotated[int, typer.Option(help="Refuse below this many.")] = MIN_POSITIVES,
    min_negatives: Annotated[int, typer.Option(help="Refuse below this many.")] = MIN_NEGATIVES,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Train and measure a learner on a plain CRM export (5-fold, and by time with --time-column).

    Example: leadflow model evaluate --csv leads.csv --target Converted --drop-leaks
    """
    result = evaluate_export(
        path=csv_file,
        target=target,
        positive=positive,
        id_column=id_column,
        drop=[c.strip() for c in drop.split(",") if c.strip()] if drop else (),
        time_column=time_column,
        drop_leaks=drop_leaks,
        learner=learner,
        leak_threshold=leak_threshold,
        min_positives=min_positives,
        min_negatives=min_negatives,
    )
    for leak in result.leaks:
        action = "left out" if leak.column in result.dropped_leaks else "use --drop-leaks"
        error_console.print(
            f"[yellow]warning[/yellow]: column {leak.column!r} alone predicts {target!r} with "
            f"ROC AUC {leak.auc:.3f} (>= {leak_threshold}): probably known only after the "
            f"outcome; {action}"
        )
    for note in result.notes:
        error_console.print(f"[dim]{note}[/dim]")
    record = _export_record(result)
    if fmt is OutputFormat.JSON:
        print(to_json(record))
        return
    summary = {
        k: f"{v:.4f}" if isinstance(v, float) else v
        for k, v in record.items()
        if not isinstance(v, list | dict)
    }
    summary["leaks"] = ", ".join(record["leaks"]) or "none"
    print_record(summary, fmt, title=f"{result.learner}, 5-fold stratified cross-validation")
    print_rows(record["calibration"], fmt, title="Calibration (out-of-fold)")
    if "time_holdout" in record:
        holdout = record["time_holdout"]
        print_record(
            {
                k: f"{v:.4f}" if isinstance(v, float) else v
                for k, v in holdout.items()
                if k != "calibration"
            },
            fmt,
            title="Time holdout",
        )
    if result.ignored:
        print_rows(
            [{"column": c, "reason": r} for c, r in result.ignored.items()],
            fmt,
            title="Columns not used",
        )
    console.print(f"[dim]{result.rows} rows with a target[/dim]")
