"""Every report by name: how its query is built from the shared parameters, and its chart."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

import ibis.expr.types as ir
from pydantic import ValidationError

from leadflow.analytics.attribution import AttributionQuery, AttributionRequest
from leadflow.analytics.calibration import CalibrationQuery
from leadflow.analytics.funnel import FunnelQuery
from leadflow.analytics.plan import PlanQuery
from leadflow.analytics.rejections import RejectionsQuery
from leadflow.analytics.request import (
    FunnelRequest,
    PlanRequest,
    ReportParameterError,
    ReportRequest,
)
from leadflow.analytics.sla import SlaQuery
from leadflow.analytics.sources import SourcesQuery
from leadflow.analytics.tables import ReportTables
from leadflow.analytics.velocity import VelocityQuery
from leadflow.analytics.weekly import WeeklyQuery
from leadflow.engines.rewrite import for_engine
from leadflow.errors import InvalidInputError
from leadflow.lifecycle.stages import StageMachine

_HOUR_US = 3_600_000_000
_EPOCH = date(1970, 1, 1)


class Query(Protocol):
    """A query object: built from a typed request, gives one Ibis expression."""

    def expression(self, tables: ReportTables) -> ir.Table: ...


@dataclass(frozen=True)
class ReportParameters:
    """Every parameter any report takes, as the CLI and the API receive them."""

    start: datetime | None = None
    end: datetime | None = None
    by: tuple[str, ...] = ()
    window: timedelta | None = None
    steps: tuple[str, ...] = ()
    cycles: str = "all"
    target: int = 10
    goal: str = "customer"
    basis: str = "lead"
    model: str = "w_shaped"
    value: str = "opportunity_amount"

    def common(self) -> dict[str, Any]:
        """The parameters every report request shares."""
        return {"start": self.start, "end": self.end, "by": self.by, "window": self.window}


@dataclass(frozen=True)
class Chart:
    """What a chart of a report shows: bars of `series` per value of `label`."""

    label: str
    series: tuple[str, ...]
    horizontal: bool = False


@dataclass(frozen=True)
class ReportSpec:
    """One report: what it answers, how its query is built, what its chart shows."""

    name: str
    summary: str
    build: Callable[[ReportParameters, StageMachine], Query]
    chart: Chart | None = None
    options: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ReportResult:
    """A report's numbers as plain data: ready for a table, JSON, CSV, a chart or the API.

    Durations are hours (`*_hours`), days ISO dates, rates are fractions, money is in the
    store's currency.
    """

    name: str
    title: str
    columns: list[str]
    rows: list[dict[str, Any]]
    chart: Chart | None

    def as_dict(self) -> dict[str, Any]:
        """The result as one JSON-ready object."""
        return {
            "report": self.name,
            "title": self.title,
            "columns": self.columns,
            "rows": self.rows,
        }


def _attribution(p: ReportParameters, _: StageMachine) -> Query:
    by = p.by[0] if len(p.by) == 1 else ("source" if not p.by else ",".join(p.by))
    request = AttributionRequest.model_validate(
        {"model": p.model, "value": p.value, "by": by, "start": p.start, "end": p.end}
    )
    return AttributionQuery(request)


REPORTS: dict[str, ReportSpec] = {
    spec.name: spec
    for spec in (
        ReportSpec(
            "funnel",
            "Cohort conversion between stages, with median and p90 time between them.",
            lambda p, s: FunnelQuery(
                FunnelRequest.model_validate(p.common() | {"steps": p.steps, "cycles": p.cycles}), s
            ),
            Chart("stage", ("count",)),
            ("steps", "cycles"),
        ),
        ReportSpec(
            "sources",
            "Leads, MQLs, SQLs, customers, revenue and cost per source, medium or campaign.",
            lambda p, s: SourcesQuery(ReportRequest(**p.common()), s),
            Chart("", ("leads", "mqls", "sqls", "customers")),
        ),
        ReportSpec(
            "weekly",
            "Leads entering each stage per week (Monday to Sunday, UTC), from mql on.",
            lambda p, s: WeeklyQuery(
                FunnelRequest.model_validate(p.common() | {"steps": p.steps, "cycles": p.cycles}), s
            ),
            options=("steps", "cycles"),
        ),
        ReportSpec(
            "velocity",
            "Time in each stage, median and p90, by owner or any segment.",
            lambda p, s: VelocityQuery(ReportRequest(**p.common()), s),
        ),
        ReportSpec(
            "sla",
            "SLA compliance per stage, rep and team; breaches and escalations.",
            lambda p, s: SlaQuery(ReportRequest(**p.common()), s),
        ),
        ReportSpec(
            "rejections",
            "Why leads go back to nurture or are disqualified, by source and campaign.",
            lambda p, s: RejectionsQuery(ReportRequest(**p.common()), s),
        ),
        ReportSpec(
            "calibration",
            "Conversion by score band and grade cell: does the score mean anything?",
            lambda p, s: CalibrationQuery(ReportRequest(**p.common()), s),
            Chart("", ("mql_rate", "sql_rate", "customer_rate")),
        ),
        ReportSpec(
            "attribution",
            "Credit for pipeline or revenue per source, medium or campaign, by touch model.",
            _attribution,
            Chart("channel", ("credit",), horizontal=True),
            ("model", "value"),
        ),
        ReportSpec(
            "plan",
            "Leads or MQLs each source needs for N more SQLs or customers, at measured rates.",
            lambda p, s: PlanQuery(
                PlanRequest.model_validate(
                    p.common() | {"target": p.target, "goal": p.goal, "basis": p.basis}
                ),
                s,
            ),
            options=("target", "goal", "basis"),
        ),
    )
}


def build_query(name: str, parameters: ReportParameters, stages: StageMachine) -> Query:
    """The query object of report `name`; bad parameters raise InvalidInputError."""
    spec = REPORTS.get(name)
    if spec is None:
        raise InvalidInputError(f"unknown report {name!r}; reports: {', '.join(REPORTS)}")
    try:
        return spec.build(parameters, stages)
    except ValidationError as exc:
        errors = exc.errors()
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'request'}: {error['msg']}"
            for error in errors
        )
        # The parameter named by the first error (its ReportParameters name), if any.
        location = errors[0]["loc"] if errors else ()
        field = str(location[0]) if location else None
        raise ReportParameterError(f"report {name}: {problems}", field=field) from exc
    except ValueError as exc:
        raise InvalidInputError(f"report {name}: {exc}") from exc


def run_report(
    name: str,
    tables: ReportTables,
    parameters: ReportParameters | None = None,
    stages: StageMachine | None = None,
) -> ReportResult:
    """Run report `name` on `tables` and return its numbers as plain data."""
    parameters = parameters or ReportParameters()
    query = build_query(name, parameters, stages or StageMachine())
    expression = for_engine(query.expression(tables), tables.backend)
    rows = [_presented(row) for row in expression.to_pyarrow().to_pylist()]
    columns = [_column_name(c) for c in expression.columns]
    spec = REPORTS[name]
    chart = spec.chart
    if chart is not None and not chart.label:
        group = [c for c in columns if c not in chart.series][:1]
        chart = Chart(group[0] if group else columns[0], chart.series, chart.horizontal)
    return ReportResult(name, _title(name, parameters), columns, rows, chart)


def _column_name(column: str) -> str:
    if column.endswith("_day"):
        return column.removesuffix("_day")
    return column.removesuffix("_us") + "_hours" if column.endswith("_us") else column


def _presented(row: dict[str, Any]) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for column, value in row.items():
        if column.endswith("_us"):
            shown[_column_name(column)] = None if value is None else value / _HOUR_US
        elif column.endswith("_day"):
            # Whole days since 1970-01-01 (see tables), shown as the ISO date.
            day = None if value is None else (_EPOCH + timedelta(days=value)).isoformat()
            shown[_column_name(column)] = day
        else:
            shown[column] = value
    return shown


def _title(name: str, p: ReportParameters) -> str:
    parts = [name]
    if p.by:
        parts.append(f"by {', '.join(p.by)}")
    if p.start or p.end:
        since = p.start.date().isoformat() if p.start else "the start"
        until = _last_day(p.end) if p.end else "now"
        parts.append(f"from {since} to {until}")
    if p.window:
        parts.append(f"within {_span(p.window)}")
    return " ".join(parts)


def _span(window: timedelta) -> str:
    if window % timedelta(days=1) == timedelta(0):
        return f"{window.days} days"
    if window % timedelta(hours=1) == timedelta(0):
        return f"{window // timedelta(hours=1)} hours"
    return str(window)


def _last_day(end: datetime) -> str:
    # The period ends just before `end`: a midnight end is the day before, included.
    if end.time() == datetime.min.time():
        return (end - timedelta(days=1)).date().isoformat()
    return end.isoformat(timespec="minutes")
