"""Velocity: how long leads stay in each stage, by owner or any segment."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from leadflow.analytics.dimensions import lead_groups
from leadflow.analytics.quantiles import nearest_rank
from leadflow.analytics.request import ReportContext, ReportRequest
from leadflow.analytics.tables import COLUMNS, ReportTables
from leadflow.lifecycle.stages import StageMachine

RESULT_COLUMNS = ("stage", "entries", "exited", "median_us", "p90_us")
# The stage change columns each stay carries beside the groups (see ReportContext.of).
_RESERVED = (
    *RESULT_COLUMNS,
    *(c for c in COLUMNS["stage_changes"] if c not in ("cycle", "changed_at")),
    "changed_us",
    "left_us",
    "duration_us",
)


class VelocityQuery:
    """Time in each stage: from entering it to the lead's next stage change.

    The intuition: a lead's stage history, ordered by time (ties by the order the changes
    were recorded), is a chain of stays; a stay begins with a change into a stage and ends
    with the lead's next change. Stays that began in the period count, grouped by stage
    (and by the `by` fields, e.g. owner); `entries` counts them, `exited` those that have
    ended, and the nearest-rank median and 90th percentile (see quantiles) summarise the
    ended stays' lengths in microseconds. A stay still open has no length yet. A window,
    if given, counts only the stays that ended within it.
    """

    def __init__(self, request: ReportRequest, stages: StageMachine | None = None) -> None:
        self.request = request
        self.context = ReportContext.of(request, stages=stages, reserved=_RESERVED)

    def expression(self, tables: ReportTables) -> ir.Table:
        """Time in stage as one Ibis expression over the report tables."""
        by = list(self.context.by)
        changes = tables.stage_changes
        stays = changes.mutate(
            left_us=changes.changed_us.lead().over(
                group_by="lead_id", order_by=[changes.changed_us, changes.id]
            )
        )
        stays = stays.filter(self.context.in_period(stays.changed_us))
        stays = stays.mutate(duration_us=stays.left_us - stays.changed_us)
        if self.context.window_us is not None:
            ended = stays.duration_us <= self.context.window_us
            stays = stays.mutate(duration_us=ibis.cases((ended, stays.duration_us)))
        stays = stays.join(lead_groups(tables, by), "lead_id")
        counted = stays.group_by([*by, "to_stage"]).aggregate(
            entries=stays.count(), exited=stays.duration_us.count()
        )
        times = nearest_rank(stays, "duration_us", [*by, "to_stage"], suffix="_us")
        joined = counted.left_join(times, [*by, "to_stage"])
        order = self.context.stages.all_stages
        position = ibis.cases(
            *((joined.to_stage == s, i) for i, s in enumerate(order)), else_=len(order)
        )
        result = joined.select(
            *by,
            stage=joined.to_stage,
            _order=position,
            **{c: joined[c] for c in RESULT_COLUMNS[1:]},
        )
        return result.order_by([*by, "_order", "stage"]).drop("_order")
