"""Sources: the sources report (spend, cost per MQL/SQL/customer, ROI) and attribution under
any of the six touch models, both as the API's reports serve them."""

from __future__ import annotations

from typing import Annotated, get_args

from fastapi import APIRouter, Request
from fastapi.responses import Response

from leadflow.analytics.attribution import AttributionModel, OutcomeValue
from leadflow.api.errors import RequestProblem
from leadflow.users.access import Access
from leadflow.web.charts import bar_chart
from leadflow.web.nav import page_access
from leadflow.web.report_data import chosen_period, page_report, with_options
from leadflow.web.templating import render

router = APIRouter()
Viewer = Annotated[Access, page_access("/sources")]

MODELS: dict[str, str] = {
    "first_touch": "First touch",
    "last_touch": "Last touch",
    "linear": "Linear",
    "u_shaped": "U-shaped (40/40/20)",
    "w_shaped": "W-shaped (30/30/30/10)",
    "time_decay": "Time decay (7-day half-life)",
}
VALUES = {"opportunity_amount": "Pipeline (opportunity amount)", "won_revenue": "Won revenue"}
SOURCE_COLUMNS = (
    "source",
    "leads",
    "mqls",
    "sqls",
    "customers",
    "revenue",
    "spend",
    "cost_per_mql",
    "cost_per_sql",
    "cost_per_customer",
    "roi",
)


def _choice(request: Request, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = request.query_params.get(name) or default
    if value not in allowed:
        raise RequestProblem(422, f"{name} {value!r}: use one of {', '.join(allowed)}", field=name)
    return value


@router.get("/sources")
def sources(request: Request, viewer: Viewer) -> Response:
    """The sources report and the attribution picker for the chosen period."""
    period = chosen_period(request)
    model = _choice(request, "model", get_args(AttributionModel), "w_shaped")
    value = _choice(request, "value", get_args(OutcomeValue), "opportunity_amount")
    report = page_report(request, "sources", period.parameters)
    credit = page_report(request, "attribution", with_options(period, model=model, value=value))
    context = {
        "title": "Sources",
        "period": period,
        "report": report,
        "columns": SOURCE_COLUMNS,
        "credit": credit,
        "model": model,
        "value": value,
        "models": MODELS,
        "values": VALUES,
        "credit_chart": bar_chart(
            [row["channel"] for row in credit.rows],
            {"Credit": [row["credit"] for row in credit.rows]},
            horizontal=True,
        ),
    }
    if request.headers.get("HX-Target") == "attribution":
        return render(request, "attribution.html.j2", **context)
    return render(request, "sources.html.j2", **context)
