"""The funnel: of the leads that entered a stage in a period, how many went on, how fast."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from leadflow.analytics.dimensions import lead_groups
from leadflow.analytics.quantiles import nearest_rank
from leadflow.analytics.ratios import ratio
from leadflow.analytics.request import FunnelRequest, ReportContext, ReportParameterError
from leadflow.analytics.tables import ReportTables
from leadflow.lifecycle.stages import StageMachine

RESULT_COLUMNS = (
    "step",
    "stage",
    "count",
    "rate",
    "step_rate",
    "median_us",
    "p90_us",
)
# Columns of the members and steps the groups travel beside (see ReportContext.of).
_RESERVED = (*RESULT_COLUMNS, "entry_us", "next_us", "reached_us", "duration_us")


class FunnelQuery:
    """Cohort conversion between stages, counted per entry into the first step.

    The intuition: each entry of a lead into the first step (in the period) is one member of
    the cohort, and it owns the lead's history from that entry until the lead next enters
    the first step (a recycled lead's next cycle starts a new member). A member reached a
    later step if, within that span (and within the window after the entry, if one is
    given, boundary included), the lead entered that step or any step after it: a stage
    skipped by configuration, or left out of `steps`, never makes a later count larger, so
    counts never increase down the funnel. Its time to each step is the earliest such entry;
    the time between two steps is the difference of the two, summarised per step by the
    nearest-rank median and 90th percentile (see quantiles). Ties count as reached: a stage
    entered at the very instant of the entry is reached after zero time. Two entries of one
    lead into the first step at the same instant are one entry.

    Result: one row per group and step: `count` (members that reached it), `rate` (of the
    cohort), `step_rate` (of the previous step's count), `median_us`/`p90_us` (microseconds
    from the previous step, among those that reached this one).
    """

    def __init__(self, request: FunnelRequest, stages: StageMachine | None = None) -> None:
        self.request = request
        self.context = ReportContext.of(request, stages=stages, reserved=_RESERVED)
        self.steps = request.steps or self.context.forward_from("mql")
        if len(self.steps) < 2:
            raise ReportParameterError("a funnel needs at least two steps", field="steps")
        if len(set(self.steps)) != len(self.steps):
            raise ReportParameterError("name each stage once", field="steps")

    def expression(self, tables: ReportTables) -> ir.Table:
        """The funnel as one Ibis expression over the report tables."""
        by = list(self.context.by)
        members = self.members(tables)
        members = members.join(lead_groups(tables, by), "lead_id")
        long = ibis.union(*(self._step(members, by, j) for j in range(len(self.steps))))
        counted = long.group_by([*by, "step", "stage"]).aggregate(count=long.reached_us.count())
        flow = ibis.window(group_by=by, order_by="step")
        counted = counted.mutate(
            rate=ratio(counted["count"], counted["count"].first().over(flow)),
            step_rate=ratio(counted["count"], counted["count"].lag().over(flow)),
        )
        times = nearest_rank(long, "duration_us", [*by, "step"], suffix="_us")
        result = counted.left_join(times, [*by, "step"]).select(*by, *RESULT_COLUMNS)
        return result.order_by([*by, "step"])

    def members(self, tables: ReportTables) -> ir.Table:
        """One row per cohort member: lead_id, cycle, entry_us and reach_<j>_us per step."""
        changes = tables.stage_changes
        first = self.steps[0]
        entries = (
            changes.filter(changes.to_stage == first)
            .group_by(["lead_id", "changed_us"])
            .aggregate(cycle=changes.cycle.min())
        )
        entries = entries.mutate(
            next_us=entries.changed_us.lead().over(group_by="lead_id", order_by="changed_us")
        ).rename(entry_us="changed_us")
        entries = entries.filter(self.context.in_period(entries.entry_us))
        if self.request.cycles == "first":
            entries = entries.filter(entries.cycle == 1)
        elif self.request.cycles == "recycled":
            entries = entries.filter(entries.cycle > 1)
        later = changes.filter(changes.to_stage.isin(self.steps[1:]))
        later = later.select(
            _lead=later.lead_id,
            at_us=later.changed_us,
            rank=ibis.cases(*((later.to_stage == s, j) for j, s in enumerate(self.steps))),
        )
        spans = entries.join(
            later,
            (entries.lead_id == later._lead)
            & (later.at_us >= entries.entry_us)
            & (entries.next_us.isnull() | (later.at_us < entries.next_us)),
        )
        if self.context.window_us is not None:
            spans = spans.filter(spans.at_us - spans.entry_us <= self.context.window_us)
        reached = (
            spans.group_by(["lead_id", "entry_us"])
            .aggregate(
                **{
                    f"reach_{j}_us": spans.at_us.min(where=spans.rank >= j)
                    for j in range(1, len(self.steps))
                }
            )
            .rename(_lead="lead_id", _entry="entry_us")
        )
        joined = entries.left_join(
            reached, (entries.lead_id == reached._lead) & (entries.entry_us == reached._entry)
        )
        return joined.select(
            "lead_id",
            "cycle",
            "entry_us",
            reach_0_us=joined.entry_us,
            **{f"reach_{j}_us": joined[f"reach_{j}_us"] for j in range(1, len(self.steps))},
        )

    def _step(self, members: ir.Table, by: list[str], j: int) -> ir.Table:
        reached = members[f"reach_{j}_us"]
        previous = members[f"reach_{max(j - 1, 0)}_us"]
        return members.select(
            *by,
            step=ibis.literal(j, "int64"),
            stage=ibis.literal(self.steps[j], "string"),
            reached_us=reached,
            duration_us=(reached - previous) if j else ibis.null("int64"),
        )
