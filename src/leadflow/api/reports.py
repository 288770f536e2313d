"""`/reports`: every report of `leadflow report NAME`, with the same parameters, as JSON.

Every role may read reports: they are counts and rates over all leads, never a lead's data.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from leadflow.analytics.attribution import AttributionModel, OutcomeValue
from leadflow.analytics.csv_export import write_csv
from leadflow.analytics.registry import REPORTS, ReportParameters, run_report
from leadflow.analytics.request import (
    WINDOW_PATTERN,
    Cycles,
    ReportParameterError,
    day_period,
    window_duration,
)
from leadflow.analytics.tables import duckdb_tables, store_tables
from leadflow.api.deps import EngineDep, SettingsDep
from leadflow.api.errors import RequestProblem, problem_responses
from leadflow.lifecycle.stages import StageMachine

router = APIRouter(prefix="/reports", tags=["reports"])

# A field to group by, or a stage: the characters the reports accept, comma-separated.
_NAMES = r"^[A-Za-z0-9_.]+(,[A-Za-z0-9_.]+)*$"
# Days a period may name: an instant a microsecond count holds, with a day to spare.
_FIRST_DAY, _LAST_DAY = date(1900, 1, 1), date(9999, 12, 30)
# ReportParameters' names for the request's own (the period's ends are `from` and `to`).
_PARAMETER_NAMES = {"start": "from", "end": "to"}

ReportName = Annotated[
    str, Path(min_length=1, max_length=64, description="A report name, as GET /reports lists.")
]
Day = Annotated[date, Field(ge=_FIRST_DAY, le=_LAST_DAY)]
Names = Annotated[str, Field(max_length=1_000, pattern=_NAMES)]


class ReportParams(BaseModel):
    """The query parameters of `GET /reports/{name}`: those of `leadflow report NAME`.

    A report ignores the parameters it does not take (`steps` means nothing to `sla`)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    start: Day | None = Field(
        default=None, alias="from", description="First day of the period (UTC), included."
    )
    end: Day | None = Field(
        default=None, alias="to", description="Last day of the period (UTC), included."
    )
    by: list[Names] = Field(
        default_factory=list,
        max_length=8,
        description="Fields to group by: repeat the parameter or separate with commas.",
    )
    window: str | None = Field(
        default=None,
        pattern=WINDOW_PATTERN,
        description="Count a stage only if reached within this time: 90d, 12h, 2w.",
    )
    engine: Literal["db", "duckdb"] = Field(
        default="db",
        description="db: query the store; duckdb: copy it into DuckDB first. Spark is not"
        " offered here: starting it and copying the store takes longer than a request may"
        " last; run `leadflow report NAME --engine spark` instead.",
    )
    steps: Names | None = Field(
        default=None, description="funnel: stages in order, comma-separated."
    )
    cycles: Cycles = Field(default="all", description="funnel: all, first or recycled.")
    target: int = Field(default=10, ge=1, le=1_000_000_000, description="plan: how many more.")
    goal: Literal["sql", "customer"] = Field(default="customer", description="plan: the goal.")
    basis: Literal["lead", "mql"] = Field(default="lead", description="plan: count from.")
    model: AttributionModel = Field(default="w_shaped", description="attribution: touch model.")
    value: OutcomeValue = Field(
        default="opportunity_amount", description="attribution: what is credited."
    )
    format: Literal["json", "csv"] = Field(
        default="json", description="csv: the rows as text/csv, formulas neutralised."
    )

    @field_validator("engine", mode="before")
    @classmethod
    def _not_spark(cls, engine: object) -> object:
        if engine == "spark":
            raise ValueError(
                "Spark runs batch jobs, not requests (starting it and copying the store takes"
                " longer than a request may last): run `leadflow report NAME --engine spark`"
            )
        return engine

    @field_validator("end")
    @classmethod
    def _not_before_start(cls, end: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("start")
        if start and end and end < start:
            raise ValueError("the last day must not be before the first (`from`)")
        return end

    def parameters(self) -> ReportParameters:
        """As the report registry takes them: days as instants, the period half-open."""
        start, end = day_period(self.start, self.end)
        return ReportParameters(
            start=start,
            end=end,
            by=tuple(part for value in self.by for part in value.split(",")),
            window=window_duration(self.window) if self.window else None,
            steps=tuple(self.steps.split(",")) if self.steps else (),
            cycles=self.cycles,
            target=self.target,
            goal=self.goal,
            basis=self.basis,
            model=self.model,
            value=self.value,
        )


class ReportInfo(BaseModel):
    """A report: its name, what it answers, and the parameters of its own it takes."""

    name: str
    summary: str
    options: list[str] = Field(description="Parameters besides from, to, by, window, engine.")


Cell = str | int | float | None


class ReportRead(BaseModel):
    """A report's numbers, as `leadflow report NAME --format json` prints them.

    `rows` are objects keyed by `columns`, in order. Durations are hours (`*_hours`), rates
    are fractions (0.25), money is in the store's currency; an empty cell is null.
    """

    report: str = Field(description="The report's name.")
    title: str = Field(description="The report, its grouping, period and window, in words.")
    columns: list[str]
    rows: list[dict[str, Cell]]


@router.get("", summary="List the reports")
def list_reports() -> list[ReportInfo]:
    """Every report by name, with a one-line description."""
    return [
        ReportInfo(name=spec.name, summary=spec.summary, options=list(spec.options))
        for spec in REPORTS.values()
    ]


_CSV_RESPONSE = {200: {"content": {"text/csv": {}}, "description": "The report (format=csv)"}}


@router.get(
    "/{name}",
    summary="Run a report",
    response_model=ReportRead,
    responses={**_CSV_RESPONSE, **problem_responses(404)},
)
def read_report(
    name: ReportName,
    params: Annotated[ReportParams, Query()],
    engine: EngineDep,
    settings: SettingsDep,
) -> ReportRead | Response:
    """Report `name` over the store (or DuckDB with the store copied in, `engine=duckdb`),
    with the same parameters and numbers as `leadflow report NAME`; `format=csv` gives the
    rows as CSV, where text a spreadsheet would run as a formula starts with `'`."""
    if name not in REPORTS:
        raise RequestProblem(
            404, f"no report {name!r}; reports: {', '.join(REPORTS)}", field="name"
        )
    tables = duckdb_tables(engine) if params.engine == "duckdb" else store_tables(engine)
    try:
        result = run_report(name, tables, params.parameters(), StageMachine(settings.lifecycle))
    except ReportParameterError as exc:
        field = _PARAMETER_NAMES.get(exc.field or "", exc.field)
        raise RequestProblem(422, str(exc), field=field) from exc
    finally:
        tables.close()
    if params.format == "csv":
        text = io.StringIO()
        write_csv(text, result.columns, result.rows)
        return Response(text.getvalue(), media_type="text/csv; charset=utf-8")
    return ReportRead.model_validate(result.as_dict())
