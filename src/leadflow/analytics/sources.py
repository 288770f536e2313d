"""Sources: which sources and campaigns bring leads that become customers, and at what cost."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from leadflow.analytics.dimensions import group_value, lead_groups
from leadflow.analytics.outcomes import OUTCOME_COLUMNS, lead_outcomes
from leadflow.analytics.ratios import cents, money, ratio
from leadflow.analytics.request import ReportContext, ReportRequest
from leadflow.analytics.tables import DAY_US, ReportTables
from leadflow.lifecycle.stages import StageMachine

SPEND_FIELDS = ("source", "medium", "campaign")
RESULT_COLUMNS = (
    "leads",
    "mqls",
    "sqls",
    "customers",
    "mql_rate",
    "sql_rate",
    "win_rate",
    "customer_rate",
    "revenue",
    "spend",
    "cost_per_lead",
    "cost_per_mql",
    "cost_per_sql",
    "cost_per_customer",
    "roi",
)
# The outcome and spend columns the groups travel beside (see ReportContext.of).
_RESERVED = (*RESULT_COLUMNS, *OUTCOME_COLUMNS, "spend_cents", "share")


class SourcesQuery:
    """Leads created in the period, grouped (by source unless told), and what became of them.

    The intuition: the cohort is the leads created in the period; each lead counts once as
    an MQL, SQL or customer if it ever reached that stage (or a later one), in any cycle,
    within the window after its creation if one is given; revenue is the amount of its won
    opportunities. Rates: mql_rate = mqls/leads, sql_rate = sqls/mqls, win_rate =
    customers/sqls, customer_rate = customers/leads.

    Spend joins in when every grouping field is source, medium or campaign. A spend row
    counts in proportion to the whole days of its period that fall in the report's period
    (days from the floor of `start` to the ceiling of `end`), in whole cents rounded down;
    cost per X = spend / X and roi = (revenue - spend) / spend. A group with spend and no
    leads still shows, with zero leads.
    """

    def __init__(self, request: ReportRequest, stages: StageMachine | None = None) -> None:
        self.request = request
        self.context = ReportContext.of(
            request, stages=stages, default_by=("source",), reserved=_RESERVED
        )

    @property
    def with_spend(self) -> bool:
        """True when spend can be matched to the groups (grouped by spend fields only)."""
        return all(field in SPEND_FIELDS for field in self.context.by)

    def expression(self, tables: ReportTables) -> ir.Table:
        """The source table as one Ibis expression over the report tables."""
        by = list(self.context.by)
        outcomes = lead_outcomes(tables, self.context).join(lead_groups(tables, by), "lead_id")
        counted = outcomes.group_by(by).aggregate(
            leads=outcomes.count(),
            mqls=outcomes["mql"].sum(),
            sqls=outcomes["sql"].sum(),
            customers=outcomes["customer"].sum(),
            revenue_cents=outcomes.revenue_cents.sum(),
        )
        spend = self.spend_cents(tables)
        if spend is None:
            joined = counted.mutate(spend_cents=ibis.null("int64"))
        else:
            joined = counted.outer_join(spend, by, lname="", rname="{name}_spend")
            joined = joined.select(
                **{f: ibis.coalesce(joined[f], joined[f"{f}_spend"]) for f in by},
                **{
                    c: ibis.coalesce(joined[c], 0)
                    for c in ("leads", "mqls", "sqls", "customers", "revenue_cents")
                },
                spend_cents=joined.spend_cents,
            )
        t = joined
        result = t.select(
            *by,
            leads=t.leads,
            mqls=t.mqls,
            sqls=t.sqls,
            customers=t.customers,
            mql_rate=ratio(t.mqls, t.leads),
            sql_rate=ratio(t.sqls, t.mqls),
            win_rate=ratio(t.customers, t.sqls),
            customer_rate=ratio(t.customers, t.leads),
            revenue=money(t.revenue_cents),
            spend=money(t.spend_cents),
            cost_per_lead=ratio(t.spend_cents, t.leads * 100),
            cost_per_mql=ratio(t.spend_cents, t.mqls * 100),
            cost_per_sql=ratio(t.spend_cents, t.sqls * 100),
            cost_per_customer=ratio(t.spend_cents, t.customers * 100),
            roi=ratio(t.revenue_cents - t.spend_cents, t.spend_cents),
        )
        return result.order_by([ibis.desc("leads"), *by])

    def spend_cents(self, tables: ReportTables) -> ir.Table | None:
        """Spend per group in whole cents, prorated to the period; None when not matchable."""
        if not self.with_spend:
            return None
        spend = tables.spend
        first, last = spend.period_start_day, spend.period_end_day + 1  # end day included
        start_us, end_us = self.context.start_us, self.context.end_us
        if start_us is not None:
            first = ibis.greatest(first, start_us // DAY_US)
        if end_us is not None:
            last = ibis.least(last, -(-end_us // DAY_US))
        days = spend.period_end_day - spend.period_start_day + 1
        share = cents(spend.amount) * (last - first) // days
        shaped = spend.filter(last > first).select(
            **{f: group_value(spend[f]) for f in self.context.by}, share=share
        )
        return shaped.group_by(list(self.context.by)).aggregate(spend_cents=shaped.share.sum())
