"""Planning: from measured rates, how many leads or MQLs each source needs for a target."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from leadflow.analytics.dimensions import lead_groups
from leadflow.analytics.outcomes import OUTCOME_COLUMNS, lead_outcomes
from leadflow.analytics.ratios import ratio
from leadflow.analytics.request import PlanRequest, ReportContext
from leadflow.analytics.tables import ReportTables
from leadflow.lifecycle.stages import StageMachine

RESULT_COLUMNS = ("basis", "measured", "reached", "rate", "needed")
_RESERVED = (*RESULT_COLUMNS, *OUTCOME_COLUMNS)


class PlanQuery:
    """How many leads (or MQLs) of each source it takes to reach `target` SQLs or customers.

    The intuition: measure each source's rate over the leads created in the period (or
    those of them that became MQLs), from basis to goal, as in the sources report; then
    needed = ceil(target / rate) = ceil(target * measured / reached), in integer arithmetic,
    so every engine agrees. A source that never reached the goal has no rate and no plan
    (needed is null): more of it buys nothing we have seen. `measured` is the basis count,
    `reached` how many of them reached the goal.
    """

    def __init__(self, request: PlanRequest, stages: StageMachine | None = None) -> None:
        self.request = request
        self.context = ReportContext.of(
            request, stages=stages, default_by=("source",), reserved=_RESERVED
        )

    def expression(self, tables: ReportTables) -> ir.Table:
        """The plan as one Ibis expression over the report tables."""
        by = list(self.context.by)
        outcomes = lead_outcomes(tables, self.context).join(lead_groups(tables, by), "lead_id")
        if self.request.basis == "mql":
            outcomes = outcomes.filter(outcomes["mql"] == 1)
        counted = outcomes.group_by(by).aggregate(
            measured=outcomes.count(), reached=outcomes[self.request.goal].sum()
        )
        target = self.request.target
        needed = (counted.measured * target + counted.reached - 1) // counted.reached.nullif(0)
        result = counted.select(
            *by,
            basis=ibis.literal(self.request.basis),
            measured=counted.measured,
            reached=counted.reached,
            rate=ratio(counted.reached, counted.measured),
            needed=needed.cast("int64"),
        )
        return result.order_by([result.needed.asc(nulls_first=False), *by])
