"""Weekly: how many leads entered each stage in each week, the pace a team watches."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from leadflow.analytics.dimensions import lead_groups
from leadflow.analytics.request import FunnelRequest, ReportContext, ReportParameterError
from leadflow.analytics.tables import DAY_US, ReportTables
from leadflow.lifecycle.stages import StageMachine

RESULT_COLUMNS = ("week_start_day", "stage", "entries", "leads")
_RESERVED = (*RESULT_COLUMNS, "step", "changed_us")
# 1970-01-01 was a Thursday: day d is (d + 3) % 7 days after its week's Monday.
_DAYS_AFTER_MONDAY = 3


class WeeklyQuery:
    """Stage entries in the period, counted per week (Monday to Sunday, UTC) and stage.

    The intuition: every row of the stage history into one of the steps (default: the
    forward stages from mql) is one entry, dated by its change; `entries` counts them and
    `leads` the distinct leads among them (a lead recycled twice in a week enters twice).
    `cycles` keeps first or recycled cycles only. Weeks without entries are left out.
    """

    def __init__(self, request: FunnelRequest, stages: StageMachine | None = None) -> None:
        self.request = request
        self.context = ReportContext.of(request, stages=stages, reserved=_RESERVED)
        self.steps = request.steps or self.context.forward_from("mql")
        unknown = [s for s in self.steps if s not in self.context.stages.all_stages]
        if unknown:
            raise ReportParameterError(f"unknown stage {unknown[0]!r}", field="steps")

    def expression(self, tables: ReportTables) -> ir.Table:
        """Entries per week and stage as one Ibis expression over the report tables."""
        by = list(self.context.by)
        changes = tables.stage_changes
        kept = changes.to_stage.isin(self.steps) & self.context.in_period(changes.changed_us)
        if self.request.cycles == "first":
            kept &= changes.cycle == 1
        elif self.request.cycles == "recycled":
            kept &= changes.cycle > 1
        day = changes.changed_us // DAY_US
        entries = changes.filter(kept).select(
            lead_id=changes.lead_id,
            stage=changes.to_stage,
            step=ibis.cases(*((changes.to_stage == s, j) for j, s in enumerate(self.steps))),
            week_start_day=day - (day + _DAYS_AFTER_MONDAY) % 7,
        )
        if by:
            entries = entries.join(lead_groups(tables, by), "lead_id")
        counted = entries.group_by([*by, "week_start_day", "step", "stage"]).aggregate(
            entries=entries.count(), leads=entries.lead_id.nunique()
        )
        return counted.order_by([*by, "week_start_day", "step"]).select(*by, *RESULT_COLUMNS)
