"""`leadflow model backtest|threshold|suggest`: rule models checked against history and learned."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from leadflow.analytics.charts import write_chart
from leadflow.analytics.registry import Chart, ReportResult
from leadflow.cli.options import DbOption, FormatOption, OutputFormat, engine_for, settings_for
from leadflow.cli.output import console, print_record, print_rows, to_json
from leadflow.errors import InvalidInputError
from leadflow.importing.values import parse_datetime
from leadflow.lifecycle.stages import StageMachine
from leadflow.predict.backtest import BacktestSide, backtest
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
