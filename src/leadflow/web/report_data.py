"""Reports for pages: the API's report call, through the report cache, over a chosen period."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from leadflow.analytics.cache import ReportCache, data_version
from leadflow.analytics.registry import ReportParameters, ReportResult, run_report
from leadflow.analytics.request import ReportParameterError
from leadflow.analytics.tables import store_tables
from leadflow.api.errors import RequestProblem
from leadflow.api.reports import ReportParams
from leadflow.lifecycle.stages import StageMachine

# The period a page shows when none is chosen: the last 90 days, today included.
DEFAULT_DAYS = 90
PRESETS = (7, 30, 90, 365)
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class Period:
    """The days a page reports on, both included, and the report parameters they make."""

    first: date
    last: date
    parameters: ReportParameters

    @property
    def days(self) -> int:
        """How many days the period holds."""
        return (self.last - self.first).days + 1

    def query(self) -> dict[str, str]:
        """The period as the query string names it."""
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}

    def presets(self, path: str, extra: Mapping[str, str]) -> list[tuple[str, str]]:
        """Links to the last 7, 30, 90 and 365 days up to the period's last day."""
        links = []
        for days in PRESETS:
            first = self.last - timedelta(days=days - 1)
            query = {**extra, "from": first.isoformat(), "to": self.last.isoformat()}
            links.append((f"last {days} days", f"{path}?{urlencode(query)}"))
        return links


def chosen_period(request: Request, *, today: date | None = None) -> Period:
    """The `from` and `to` days of the request (the last 90 days if absent), read and
    checked by the reports API's own parameters: a bad day is a 422 page naming it."""
    today = today or datetime.now(UTC).date()
    given = {k: request.query_params.get(k) or None for k in ("from", "to")}
    last = given["to"] or today.isoformat()
    first = given["from"]
    try:
        if first is None:
            first = (date.fromisoformat(last) - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
        params = ReportParams.model_validate({"from": first, "to": last})
        parameters = params.parameters()
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from exc
    except ValueError as exc:
        raise RequestProblem(422, f"to {last!r}: not a day (YYYY-MM-DD)", field="to") from exc
    except ReportParameterError as exc:
        raise RequestProblem(422, str(exc), field=exc.field) from exc
    assert params.start is not None and params.end is not None
    return Period(params.start, params.end, parameters)


def report_cache(request: Request) -> ReportCache:
    """The app's report cache, made on first use."""
    state = request.app.state
    with _cache_lock:
        cache: ReportCache | None = getattr(state, "report_cache", None)
        if cache is None:
            cache = ReportCache()
            state.report_cache = cache
    return cache


def page_report(request: Request, name: str, parameters: ReportParameters) -> ReportResult:
    """Report `name` as `GET /api/v1/reports/{name}` runs it, kept until the data changes."""
    engine = request.app.state.engine
    stages = StageMachine(request.app.state.settings.lifecycle)

    def run() -> ReportResult:
        tables = store_tables(engine)
        try:
            return run_report(name, tables, parameters, stages)
        except ReportParameterError as exc:
            raise RequestProblem(422, str(exc), field=exc.field) from exc
        finally:
            tables.close()

    return report_cache(request).result(name, parameters, data_version(engine), run)


def with_options(period: Period, **options: Any) -> ReportParameters:
    """The period's parameters with a report's own options (steps, model...) set."""
    return replace(period.parameters, **options)
