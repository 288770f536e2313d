"""SLA compliance: how often sales acts before the deadline, per stage, rep and team."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from leadflow.analytics.dimensions import group_value, lead_groups
from leadflow.analytics.ratios import ratio
from leadflow.analytics.request import ReportContext, ReportRequest
from leadflow.analytics.tables import ReportTables
from leadflow.lifecycle.stages import StageMachine
from leadflow.sla.models import TimerStatus

# Grouping fields the timer itself answers; any other is a lead attribute.
TIMER_FIELDS = ("rep", "team")
RESULT_COLUMNS = ("stage", "timers", "met", "breached", "open", "compliance", "escalations")
# The timer columns the groups travel beside (see ReportContext.of).
_RESERVED = (*RESULT_COLUMNS, "status", "escalation")


class SlaQuery:
    """SLA timers started in the period, by stage and the `by` fields (rep, team, or any
    lead attribute).

    The intuition: every stage entry with a deadline started one timer, which ends met (the
    stage was left in time), breached (the deadline passed first) or is still open.
    Compliance = met / (met + breached): open timers are not judged yet. Escalations count
    breached timers the sweeper handed on (reassigned or to a manager). `rep` is the timer's
    owner (by name) when it started, `team` the timer's team.
    """

    def __init__(self, request: ReportRequest, stages: StageMachine | None = None) -> None:
        self.request = request
        self.context = ReportContext.of(request, stages=stages, reserved=_RESERVED)

    def expression(self, tables: ReportTables) -> ir.Table:
        """SLA compliance as one Ibis expression over the report tables."""
        by = list(self.context.by)
        timers = tables.sla_timers
        timers = timers.filter(self.context.in_period(timers.started_us))
        users = tables.users
        named = timers.left_join(users, timers.owner_id == users.id)
        timers = named.select(
            lead_id=named.lead_id,
            stage=named.stage,
            status=named.status,
            escalation=named.escalation,
            rep=group_value(ibis.coalesce(named.name, named.owner_id.cast("string"))),
            team=group_value(named.team),
        )
        lead_fields = [f for f in by if f not in TIMER_FIELDS]
        if lead_fields:
            timers = timers.join(lead_groups(tables, lead_fields), "lead_id")
        status = timers.status
        counted = timers.group_by([*by, "stage"]).aggregate(
            timers=timers.count(),
            met=timers.count(where=status == TimerStatus.MET.value),
            breached=timers.count(where=status == TimerStatus.BREACHED.value),
            open=timers.count(where=status == TimerStatus.OPEN.value),
            escalations=timers.count(where=timers.escalation.isin(("reassigned", "manager"))),
        )
        result = counted.select(
            *by,
            "stage",
            "timers",
            "met",
            "breached",
            "open",
            compliance=ratio(counted.met, counted.met + counted.breached),
            escalations=counted.escalations,
        )
        return result.order_by([*by, "stage"])
