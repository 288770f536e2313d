"""What became of each lead: how far it got down the funnel, and the revenue it brought."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from leadflow.analytics.ratios import cents
from leadflow.analytics.request import ReportContext
from leadflow.analytics.tables import ReportTables

# Stage roles a lead-level report counts, in funnel order.
MILESTONES = ("mql", "sql", "customer")
# The columns of lead_outcomes besides lead_id: a report grouping them must not shadow them.
OUTCOME_COLUMNS = ("created_us", *MILESTONES, "revenue_cents")


def lead_outcomes(tables: ReportTables, context: ReportContext) -> ir.Table:
    """One row per lead created in the period: lead_id, created_us, mql, sql and customer
    (1 when the lead ever entered that stage or a later forward one, in any cycle, and within
    the window after its creation if one is given), revenue_cents (its won opportunities)."""
    leads = tables.leads
    cohort = leads.filter(context.in_period(leads.created_us)).select(
        lead_id=leads.id, created_us=leads.created_us
    )
    changes = tables.stage_changes
    reached = changes.join(cohort, changes.lead_id == cohort.lead_id)
    if context.window_us is not None:
        reached = reached.filter(reached.changed_us - reached.created_us <= context.window_us)
    flags = reached.group_by(_lead=reached.lead_id).aggregate(
        **{
            role: ibis.cases((reached.to_stage.isin(context.forward_from(role)), 1), else_=0).max()
            for role in MILESTONES
        }
    )
    won = tables.opportunities
    won = won.filter(won.status == "won").join(cohort, won.lead_id == cohort.lead_id)
    if context.window_us is not None:
        won = won.filter(won.closed_us - won.created_us <= context.window_us)
    revenue = won.group_by(_won_lead=won.lead_id).aggregate(revenue_cents=cents(won.amount).sum())
    joined = cohort.left_join(flags, cohort.lead_id == flags._lead).left_join(
        revenue, cohort.lead_id == revenue._won_lead
    )
    return joined.select(
        "lead_id",
        "created_us",
        **{role: ibis.coalesce(joined[role], 0) for role in MILESTONES},
        revenue_cents=ibis.coalesce(joined.revenue_cents, 0),
    )
