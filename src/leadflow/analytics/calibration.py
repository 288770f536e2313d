"""Calibration: does the score mean anything? Conversion by score band and by grade cell."""

from __future__ import annotations

import ibis.expr.types as ir

from leadflow.analytics.dimensions import lead_groups
from leadflow.analytics.outcomes import OUTCOME_COLUMNS, lead_outcomes
from leadflow.analytics.ratios import ratio
from leadflow.analytics.request import ReportContext, ReportRequest
from leadflow.analytics.tables import ReportTables
from leadflow.lifecycle.stages import StageMachine

RESULT_COLUMNS = ("leads", "mqls", "sqls", "customers", "mql_rate", "sql_rate", "customer_rate")
_RESERVED = (*RESULT_COLUMNS, *OUTCOME_COLUMNS)


class CalibrationQuery:
    """Leads created in the period, grouped by their active score's grade cell (or by
    `fit_band`, `engagement_band`, or any field), and how many reached MQL, SQL, customer.

    The intuition: if the score means anything, A1 leads convert more often than A2, A2 more
    often than B2, and so on; a band whose rate is no better than the one below is a rule
    worth rethinking. Outcomes are counted as in the sources report (any cycle, within the
    window after creation); each rate is over the group's leads. Leads with no score under
    the active model fall in "(none)".
    """

    def __init__(self, request: ReportRequest, stages: StageMachine | None = None) -> None:
        self.request = request
        self.context = ReportContext.of(
            request, stages=stages, default_by=("grade",), reserved=_RESERVED
        )

    def expression(self, tables: ReportTables) -> ir.Table:
        """Conversion by band as one Ibis expression over the report tables."""
        by = list(self.context.by)
        outcomes = lead_outcomes(tables, self.context).join(lead_groups(tables, by), "lead_id")
        counted = outcomes.group_by(by).aggregate(
            leads=outcomes.count(),
            mqls=outcomes["mql"].sum(),
            sqls=outcomes["sql"].sum(),
            customers=outcomes["customer"].sum(),
        )
        result = counted.mutate(
            mql_rate=ratio(counted.mqls, counted.leads),
            sql_rate=ratio(counted.sqls, counted.leads),
            customer_rate=ratio(counted.customers, counted.leads),
        )
        return result.select(*by, *RESULT_COLUMNS).order_by(by)
