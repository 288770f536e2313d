"""`leadflow report NAME`: funnel, weekly, sources, velocity, SLA, rejections,
calibration, attribution and plan, as a table, JSON or CSV, with a PNG or HTML chart."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from leadflow.analytics.charts import write_chart
from leadflow.analytics.registry import REPORTS, ReportParameters, run_report
from leadflow.analytics.request import ReportParameterError
from leadflow.analytics.tables import ReportTables, duckdb_tables, spark_tables, store_tables
from leadflow.cli.options import (
    DbOption,
    SparkMasterOption,
    SparkRemoteOption,
    settings_with_spark,
)
from leadflow.cli.output import console
from leadflow.cli.report_options import (
    ByOption,
    ChartOption,
    Engine,
    EngineOption,
    FormatOption,
    FromOption,
    ToOption,
    WindowOption,
    parse_window,
    period,
    split_fields,
)
from leadflow.cli.report_output import ReportFormat, print_result
from leadflow.errors import InvalidInputError
from leadflow.lifecycle.stages import StageMachine
from leadflow.storage.database import open_store

app = typer.Typer(
    help=(
        "Reports on outcomes: funnel, weekly, sources, velocity, sla, rejections,"
        " calibration, attribution, plan.\n\n"
        "Example: leadflow report funnel --from 2026-01-01 --by source"
    ),
    no_args_is_help=True,
)


def _tables(
    engine_choice: Engine, db: str | None, spark: tuple[str | None, str | None]
) -> tuple[ReportTables, StageMachine]:
    if any(spark) and engine_choice is not Engine.SPARK:
        raise InvalidInputError("--spark-master and --spark-remote go with --engine spark")
    settings = settings_with_spark(db, *spark)
    engine = open_store(settings.database_url)
    if engine_choice is not Engine.DB:
        try:
            if engine_choice is Engine.SPARK:
                return spark_tables(engine, config=settings.spark), StageMachine(settings.lifecycle)
            return duckdb_tables(engine), StageMachine(settings.lifecycle)
        finally:
            engine.dispose()
    return store_tables(engine), StageMachine(settings.lifecycle)


def _named_option(error: ReportParameterError) -> InvalidInputError:
    # The report names its parameter as the API does (`by.0`, `start`); say it as the flag.
    field = (error.field or "").split(".")[0]
    option = {"start": "from", "end": "to"}.get(field, field)
    if not option or str(error).startswith("--"):
        return error
    return InvalidInputError(f"--{option.replace('_', '-')}: {error}")


def run(
    name: str,
    *,
    start: datetime | None,
    end: datetime | None,
    by: list[str] | None,
    window: str | None,
    engine: Engine,
    fmt: ReportFormat,
    chart: Path | None,
    db: str | None,
    spark: tuple[str | None, str | None] = (None, None),
    **extra: Any,
) -> None:
    """Run report `name` with the command line's options and print it."""
    first, after = period(start, end)
    parameters = ReportParameters(
        start=first, end=after, by=split_fields(by), window=parse_window(window), **extra
    )
    if chart is not None and REPORTS[name].chart is None:
        raise InvalidInputError(
            f"--chart: report {name} has no chart;"
            " charts: funnel, sources, attribution, calibration"
        )
    tables, stages = _tables(engine, db, spark)
    try:
        result = run_report(name, tables, parameters, stages)
    except ReportParameterError as exc:
        raise _named_option(exc) from exc
    print_result(result, fmt)
    if chart is not None:
        write_chart(result, chart)
        if fmt is ReportFormat.TABLE:
            console.print(f"chart written to {chart}", highlight=False)


_EXAMPLES = {
    "sources": "leadflow report sources --by source,campaign --from 2026-01-01 --chart sources.png",
    "velocity": "leadflow report velocity --by owner --from 2026-01-01",
    "sla": "leadflow report sla --by team --format csv",
    "rejections": "leadflow report rejections --by source --from 2026-01-01",
    "calibration": "leadflow report calibration --by fit_band --chart calibration.html",
}


def _common_command(name: str) -> None:
    def command(
        start: FromOption = None,
        end: ToOption = None,
        by: ByOption = None,
        window: WindowOption = None,
        engine: EngineOption = Engine.DB,
        fmt: FormatOption = ReportFormat.TABLE,
        chart: ChartOption = None,
        db: DbOption = None,
        spark_master: SparkMasterOption = None,
        spark_remote: SparkRemoteOption = None,
    ) -> None:
        run(
            name,
            start=start,
            end=end,
            by=by,
            window=window,
            engine=engine,
            fmt=fmt,
            chart=chart,
            db=db,
            spark=(spark_master, spark_remote),
        )

    command.__doc__ = f"{REPORTS[name].summary}\n\nExample: {_EXAMPLES[name]}"
    app.command(name)(command)


for _name in _EXAMPLES:
    _common_command(_name)


@app.command("funnel")
def funnel_command(
    steps: Annotated[
        str | None,
        typer.Option(help="Stages in order, comma-separated (default: mql to customer)."),
    ] = None,
    cycles: Annotated[
        str, typer.Option(help="all, first (cycle 1 only) or recycled (cycles after the first).")
    ] = "all",
    start: FromOption = None,
    end: ToOption = None,
    by: ByOption = None,
    window: WindowOption = None,
    engine: EngineOption = Engine.DB,
    fmt: FormatOption = ReportFormat.TABLE,
    chart: ChartOption = None,
    db: DbOption = None,
    spark_master: SparkMasterOption = None,
    spark_remote: SparkRemoteOption = None,
) -> None:
    """Cohort conversion between stages, with median and p90 time between them.

    Example: leadflow report funnel --steps mql,sql,customer --window 90d --chart funnel.html
    """
    run(
        "funnel",
        start=start,
        end=end,
        by=by,
        window=window,
        engine=engine,
        fmt=fmt,
        chart=chart,
        db=db,
        spark=(spark_master, spark_remote),
        steps=split_fields([steps] if steps else None),
        cycles=cycles,
    )


@app.command("weekly")
def weekly_command(
    steps: Annotated[
        str | None,
        typer.Option(help="Stages to count, comma-separated (default: mql to customer)."),
    ] = None,
    cycles: Annotated[
        str, typer.Option(help="all, first (cycle 1 only) or recycled (cycles after the first).")
    ] = "all",
    start: FromOption = None,
    end: ToOption = None,
    by: ByOption = None,
    engine: EngineOption = Engine.DB,
    fmt: FormatOption = ReportFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Leads entering each stage per week (Monday to Sunday, UTC), from mql on.

    Example: leadflow report weekly --steps mql,sql --from 2026-01-01 --format csv
    """
    run(
        "weekly",
        start=start,
        end=end,
        by=by,
        window=None,
        engine=engine,
        fmt=fmt,
        chart=None,
        db=db,
        steps=split_fields([steps] if steps else None),
        cycles=cycles,
    )


@app.command("attribution")
def attribution_command(
    model: Annotated[
        str,
        typer.Option(help="first_touch, last_touch, linear, u_shaped, w_shaped or time_decay."),
    ] = "w_shaped",
    value: Annotated[
        str, typer.Option(help="opportunity_amount (pipeline) or won_revenue.")
    ] = "opportunity_amount",
    start: FromOption = None,
    end: ToOption = None,
    by: ByOption = None,
    engine: EngineOption = Engine.DB,
    fmt: FormatOption = ReportFormat.TABLE,
    chart: ChartOption = None,
    db: DbOption = None,
    spark_master: SparkMasterOption = None,
    spark_remote: SparkRemoteOption = None,
) -> None:
    """Credit for pipeline or revenue per source, medium or campaign, by touch model.

    Example: leadflow report attribution --model u_shaped --value won_revenue --by campaign
    """
    run(
        "attribution",
        start=start,
        end=end,
        by=by,
        window=None,
        engine=engine,
        fmt=fmt,
        chart=chart,
        db=db,
        spark=(spark_master, spark_remote),
        model=model,
        value=value,
    )


@app.command("plan")
def plan_command(
    target: Annotated[int, typer.Option(help="How many more of the goal stage are wanted.")] = 10,
    goal: Annotated[str, typer.Option(help="sql or customer.")] = "customer",
    basis: Annotated[str, typer.Option(help="Count from lead or mql.")] = "lead",
    start: FromOption = None,
    end: ToOption = None,
    by: ByOption = None,
    window: WindowOption = None,
    engine: EngineOption = Engine.DB,
    fmt: FormatOption = ReportFormat.TABLE,
    db: DbOption = None,
    spark_master: SparkMasterOption = None,
    spark_remote: SparkRemoteOption = None,
) -> None:
    """Leads or MQLs each source needs for N more SQLs or customers, at measured rates.

    Example: leadflow report plan --target 20 --goal customer --basis mql --from 2026-01-01
    """
    run(
        "plan",
        start=start,
        end=end,
        by=by,
        window=window,
        engine=engine,
        fmt=fmt,
        chart=None,
        db=db,
        spark=(spark_master, spark_remote),
        target=target,
        goal=goal,
        basis=basis,
    )
