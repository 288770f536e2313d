"""`leadflow model evaluate|backtest|threshold|suggest`: measure learned models, make rules."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from leadflow.analytics.charts import write_chart
from leadflow.analytics.registry import Chart, ReportResult
from leadflow.cli.options import DbOption, FormatOption, OutputFormat, engine_for, settings_for
from leadflow.cli.output import console, error_console, print_record, print_rows, to_json
from leadflow.errors import InvalidInputError
from leadflow.importing.values import parse_datetime
from leadflow.lifecycle.stages import StageMachine
from leadflow.predict.backtest import BacktestSide, backtest
from leadflow.predict.dataset import MIN_NEGATIVES, MIN_POSITIVES
from leadflow.predict.export import ExportEvaluation, evaluate_export
from leadflow.predict.leaks import LEAK_AUC_THRESHOLD
from leadflow.predict.learners import DEFAULT_LEARNER
from leadflow.predict.metrics import Evaluation
from leadflow.predict.suggest import suggest_rule_model
from leadflow.predict.threshold import choose_threshold, parse_capacity
from leadflow.scoring.versions import active_version, model_of, read_model_file
from leadflow.storage.base import utcnow
from leadflow.storage.database import session_factory

FromOption = Annotated[str | None, typer.Option("--from", help="Leads created from (date).")]
ToOption = Annotated[str | None, typer.Option("--to", help="Leads created before (date).")]


def _when(text: str | None, option: str, db: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_datetime(text, ZoneInfo(settings_for(db).time_zone))
    except ValueError as exc:
        raise InvalidInputError(f"{option} {text!r}: {exc}") from exc


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


def threshold_command(
    capacity: Annotated[
        str, typer.Option(help="Leads sales can work a week: 200/week, or 40/day.")
    ],
    start: FromOption = None,
    end: ToOption = None,
    chart: Annotated[
        Path | None, typer.Option(help="Also draw the curve: a .png or .html file.")
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Pick the MQL line on the active score that gives sales the most SQLs for its capacity.

    Example: leadflow model threshold --capacity 200/week --chart line.html
    """
    per_week = parse_capacity(capacity)
    settings = settings_for(db)
    with session_factory(engine_for(db))() as session:
        choice = choose_threshold(
            session=session,
            machine=StageMachine(settings.lifecycle),
            capacity_per_week=per_week,
            start=_when(start, "--from", db),
            end=_when(end, "--to", db),
        )
    rows = [
        {
            "line": round(p.line, 4),
            "mqls_per_week": round(p.mqls_per_week, 1),
            "sql_rate": round(p.sql_rate, 4),
            "expected_sqls_per_week": round(p.expected_sqls_per_week, 2),
        }
        for p in choice.curve
    ]
    if chart is not None:
        result = ReportResult(
            name="threshold",
            title=f"Expected SQLs a week by MQL line ({choice.score}), capacity {per_week:g}",
            columns=list(rows[0]),
            rows=rows,
            chart=Chart(label="line", series=("expected_sqls_per_week",)),
        )
        write_chart(result, chart)
    summary = {
        "score": choice.score,
        "capacity_per_week": per_week,
        "leads": choice.leads,
        "sqls": choice.sqls,
        "weeks": round(choice.weeks, 1),
        "best_line": round(choice.best.line, 4),
        "mqls_per_week": round(choice.best.mqls_per_week, 1),
        "sql_rate": round(choice.best.sql_rate, 4),
        "expected_sqls_per_week": round(choice.best.expected_sqls_per_week, 2),
    }
    if fmt is OutputFormat.JSON:
        print(to_json({**summary, "curve": rows}))
        return
    print_record(summary, fmt, title="Best MQL line for the capacity")
    print_rows(rows, fmt, title="The curve")
    if chart is not None:
        console.print(f"[dim]chart written to {chart}[/dim]")


def _side_record(side: BacktestSide) -> dict[str, Any]:
    return {
        "model": side.model,
        "mqls": side.mqls,
        "mqls_per_week": round(side.mqls_per_week, 2),
        "mql_to_sql_rate": round(side.mql_to_sql_rate, 4),
        "customers": side.customers,
        "customers_caught": side.customers_caught,
        "share_of_customers_caught": round(side.share_of_customers_caught, 4),
    }


def backtest_command(
    scoring: Annotated[
        Path, typer.Option(help="The candidate scoring model file (YAML).", dir_okay=False)
    ],
    start: FromOption = None,
    end: ToOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Replay history through a candidate rule model and the active one, side by side.

    Nothing is recorded or rescored. Example: leadflow model backtest --scoring next.yaml
    """
    engine = engine_for(db)
    with session_factory(engine)() as session:
        candidate, _ = read_model_file(session=session, path=scoring)
        record = active_version(session=session)
        if record is None:
            raise InvalidInputError(
                "no active scoring model to compare with; see `leadflow model activate`"
            )
        active = model_of(session=session, record=record)
    result = backtest(
        engine=engine,
        machine=StageMachine(settings_for(db).lifecycle),
        candidate=candidate,
        active=active,
        start=_when(start, "--from", db),
        end=_when(end, "--to", db) or utcnow(),
    )
    sides = {"candidate": _side_record(result.candidate), "active": _side_record(result.active)}
    days = None if result.median_days_earlier is None else round(result.median_days_earlier, 2)
    if fmt is OutputFormat.JSON:
        print(
            to_json(
                {
                    "from": result.start,
                    "to": result.end,
                    "weeks": round(result.weeks, 2),
                    **sides,
                    "customers_caught_by_both": result.customers_caught_by_both,
                    "median_days_earlier": days,
                }
            )
        )
        return
    rows = [
        {"measure": key, **{name: side[key] for name, side in sides.items()}}
        for key in sides["active"]
    ]
    print_rows(rows, fmt, title=f"Backtest {result.start:%Y-%m-%d} to {result.end:%Y-%m-%d}")
    if days is None:
        console.print("no customer was caught by both models")
    else:
        console.print(
            f"of {result.customers_caught_by_both} customers both catch, the candidate makes "
            f"them MQL a median {days} days earlier than the active model (negative: later)"
        )


def suggest_command(
    source: Annotated[str, typer.Option("--from", help="The trained model version.")],
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="The scoring model file to write.", dir_okay=False),
    ],
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Write a rule model whose integer points approximate a trained model (a scorecard).

    Every rule carries a comment saying where it came from; the file is checked against the
    store before it is written. Example: leadflow model suggest --from 3 -o scoring.yaml
    """
    if not output.parent.is_dir():
        raise InvalidInputError(f"-o {output}: folder {output.parent} does not exist")
    suggestion = suggest_rule_model(
        engine=engine_for(db), settings=settings_for(db), version=source
    )
    try:
        output.write_text(suggestion.text, encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(f"cannot write {output}: {exc.strerror}") from exc
    card = suggestion.scorecard
    record = {
        "file": str(output),
        "from": source,
        "rules": len(card.rules),
        "rows": card.rows,
        "model_auc": round(card.model_auc, 4),
        "scorecard_auc": round(card.scorecard_auc, 4),
        "auc_kept": round(card.scorecard_auc / card.model_auc, 4) if card.model_auc else None,
    }
    print_record(record, fmt, title="Suggested rule model")
