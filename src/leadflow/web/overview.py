"""Overview: the period's KPIs, the funnel, MQLs per week, revenue and cost per SQL by source.

Every figure is a row of the reports the API serves (funnel, sources, sla, weekly), for the
chosen period; the page only adds them up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from leadflow.analytics.registry import ReportResult
from leadflow.lifecycle.stages import StageMachine
from leadflow.users.access import Access
from leadflow.web.charts import bar_chart
from leadflow.web.nav import page_access
from leadflow.web.report_data import chosen_period, page_report, with_options
from leadflow.web.templating import render

router = APIRouter()
Viewer = Annotated[Access, page_access("/")]


@dataclass(frozen=True)
class Kpi:
    """One headline figure: its label, its value as shown, and what it counts."""

    label: str
    value: str
    note: str


def _total(result: ReportResult, column: str) -> float:
    return sum(row[column] or 0 for row in result.rows)


def _count_at(funnel: ReportResult, stage: str) -> int | None:
    counts = [row["count"] for row in funnel.rows if row["stage"] == stage]
    return counts[0] if counts else None


def _share(part: float | None, whole: float | None) -> str:
    return f"{part / whole:.1%}" if part is not None and whole else "–"


def kpis(
    *, funnel: ReportResult, sources: ReportResult, sla: ReportResult, stages: StageMachine
) -> list[Kpi]:
    """The headline figures, each from one report's rows."""
    mqls, sqls = _count_at(funnel, stages.name("mql")), _count_at(funnel, stages.name("sql"))
    sals = _count_at(funnel, stages.name("sal"))
    met, breached = _total(sla, "met"), _total(sla, "breached")
    figures = [
        Kpi("New leads", f"{_total(sources, 'leads'):,.0f}", "created in the period"),
        Kpi("MQLs", f"{mqls or 0:,}", "entries into mql in the period"),
        Kpi("SALs", "–" if sals is None else f"{sals:,}", "of those MQLs, accepted"),
        Kpi("SQLs", f"{sqls or 0:,}", "of those MQLs, qualified"),
        Kpi("Won revenue", f"{_total(sources, 'revenue'):,.2f}", "of leads created in the period"),
        Kpi("MQL to SQL", _share(sqls, mqls), "SQLs / MQLs"),
        Kpi("SLA met", _share(met, met + breached), f"{met:,.0f} of {met + breached:,.0f} judged"),
    ]
    return figures


@router.get("/")
def overview(request: Request, viewer: Viewer) -> Response:
    """KPIs and charts for the chosen period (the last 90 days by default)."""
    period = chosen_period(request)
    stages = StageMachine(request.app.state.settings.lifecycle)
    funnel = page_report(request, "funnel", period.parameters)
    sources = page_report(request, "sources", period.parameters)
    sla = page_report(request, "sla", period.parameters)
    mql = stages.name("mql")
    weekly = page_report(request, "weekly", with_options(period, steps=(mql,)))
    charts: dict[str, Any] = {
        "funnel": bar_chart(
            [row["stage"] for row in funnel.rows], {"Leads": [r["count"] for r in funnel.rows]}
        ),
        "weekly": bar_chart(
            [row["week_start"] for row in weekly.rows],
            {"MQLs": [row["entries"] for row in weekly.rows]},
            kind="line",
        ),
        "revenue": bar_chart(
            [row["source"] for row in sources.rows],
            {"Won revenue": [row["revenue"] for row in sources.rows]},
            horizontal=True,
        ),
        "cost_per_sql": bar_chart(
            [row["source"] for row in sources.rows],
            {"Cost per SQL": [row["cost_per_sql"] for row in sources.rows]},
            horizontal=True,
        ),
    }
    context = {
        "title": "Overview",
        "period": period,
        "kpis": kpis(funnel=funnel, sources=sources, sla=sla, stages=stages),
        "funnel": funnel,
        "weekly": weekly,
        "sources": sources,
        "charts": charts,
    }
    if request.headers.get("HX-Request") == "true":
        return render(request, "overview_body.html.j2", **context)
    return render(request, "overview.html.j2", **context)
