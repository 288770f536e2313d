"""The funnel: of the leads that entered a stage in a period, how many went on, how fast."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from leadflow.analytics.dimensions import lead_groups
from leadflow.analytics.quantiles import rank_picks, with_ranks
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
    lead into the first step at the same instant are one entry, of the earlier cycle.

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
        known = self.context.stages.all_stages
        unknown = [step for step in self.steps if step not in known]
        if unknown:
            raise ReportParameterError(
                f"unknown stage {unknown[0]!r}; stages: {', '.join(known)}", field="steps"
            )

    def expression(self, tables: ReportTables) -> ir.Table:
        """The funnel as one Ibis expression over the report tables."""
        by = list(self.context.by)
        members = self.members(tables).join(lead_groups(tables, by), "lead_id")
        # Members unpivoted to one row per step by a cross join with the steps, so the
        # members are computed once on every engine, then counted and ranked in one pass.
        steps = self._step_rows(tables)
        long = members.cross_join(steps)
        reach = [long[f"reach_{j}_us"] for j in range(len(self.steps))]
        long = long.select(
            *by,
            "step",
            "stage",
            reached_us=ibis.cases(*((long.step == j, r) for j, r in enumerate(reach))),
            duration_us=ibis.cases(
                *((long.step == j, reach[j] - reach[j - 1]) for j in range(1, len(reach)))
            ),
        )
        # Only members that reached a step have a duration there: rank those alone (about
        # half the rows), then give every group back each step through the steps table,
        # so a step nobody reached still shows with a zero count.
        reached = long.filter(long.reached_us.notnull())
        ranked = with_ranks(reached, "duration_us", [*by, "step"])
        counted = ranked.group_by([*by, "step"]).aggregate(
            count=ranked.count(), **rank_picks(ranked, "duration_us", suffix="_us")
        )
        cohorts = counted.filter(counted.step == 0).select(*by, _cohort=counted["count"])
        rows = cohorts.cross_join(steps)
        rows = rows.left_join(counted, [*by, "step"]).select(
            *by,
            "step",
            "stage",
            "_cohort",
            count=ibis.coalesce(counted["count"], 0),
            median_us=counted.median_us,
            p90_us=counted.p90_us,
        )
        flow = ibis.window(group_by=by, order_by="step")
        result = rows.select(
            *by,
            "step",
            "stage",
            "count",
            rate=ratio(rows["count"], rows._cohort),
            step_rate=ratio(rows["count"], rows["count"].lag().over(flow)),
            median_us=rows.median_us,
            p90_us=rows.p90_us,
        )
        return result.order_by([*by, "step"])

    def members(self, tables: ReportTables) -> ir.Table:
        """One row per cohort member: lead_id, cycle, entry_us and reach_<j>_us per step."""
        changes = tables.stage_changes
        moves = changes.filter(changes.to_stage.isin(self.steps))
        moves = moves.select(
            "lead_id",
            "cycle",
            at_us=moves.changed_us,
            rank=ibis.cases(*((moves.to_stage == s, j) for j, s in enumerate(self.steps))),
        )
        # A change belongs to the lead's latest entry into the first step at or before it
        # (an entry sorts first among the changes at its instant): one sort per lead instead
        # of a range join of entries to changes.
        so_far = ibis.cumulative_window(group_by="lead_id", order_by=["at_us", "rank"])
        spans = moves.mutate(entry_us=ibis.cases((moves.rank == 0, moves.at_us)).max().over(so_far))
        within = spans.rank > 0
        if self.context.window_us is not None:
            within &= spans.at_us - spans.entry_us <= self.context.window_us
        spans = spans.filter(spans.entry_us.notnull())
        members = spans.group_by(["lead_id", "entry_us"]).aggregate(
            cycle=spans.cycle.min(where=spans.rank == 0),
            **{
                f"reach_{j}_us": spans.at_us.min(where=within & (spans.rank >= j))
                for j in range(1, len(self.steps))
            },
        )
        members = members.filter(self.context.in_period(members.entry_us))
        if self.request.cycles == "first":
            members = members.filter(members.cycle == 1)
        elif self.request.cycles == "recycled":
            members = members.filter(members.cycle > 1)
        return members.select(
            "lead_id",
            "cycle",
            "entry_us",
            reach_0_us=members.entry_us,
            **{f"reach_{j}_us": members[f"reach_{j}_us"] for j in range(1, len(self.steps))},
        )

    def _step_rows(self, tables: ReportTables) -> ir.Table:
        """The steps as rows: step (0, 1, ...) and stage."""
        # Ibis spells literal rows only as a memtable, a temporary table on the store; an
        # aggregate without groups always gives exactly one row, even over no rows at all
        # (of users: small, and read by nothing else unless grouping by owner). UNION, not
        # UNION ALL: SQLite would copy the members query into each arm of a UNION ALL.
        nothing = tables.users.filter(ibis.literal(False))
        one = nothing.aggregate(_rows=nothing.count())
        return ibis.union(
            *(
                one.select(step=ibis.literal(j, "int64"), stage=ibis.literal(s, "string"))
                for j, s in enumerate(self.steps)
            ),
            distinct=True,
        )
