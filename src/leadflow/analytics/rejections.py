"""Rejections: why leads are sent back to nurture or disqualified, by source and campaign."""

from __future__ import annotations

import ibis.expr.types as ir

from leadflow.analytics.dimensions import group_value, lead_groups
from leadflow.analytics.ratios import ratio
from leadflow.analytics.request import ReportContext, ReportRequest
from leadflow.analytics.tables import ReportTables
from leadflow.lifecycle.models import ActorType
from leadflow.lifecycle.stages import StageMachine

RESULT_COLUMNS = ("stage", "decided_by", "reason", "count", "share")
# Moves made by scoring (junk filtered at the door) rather than by a person.
_AUTOMATIC = (ActorType.RULE.value, ActorType.MODEL.value, ActorType.SYSTEM.value)


class RejectionsQuery:
    """Moves to nurture or disqualified in the period, by reason and the `by` fields
    (source and campaign unless told).

    The intuition: every rejection is a stage change into nurture (recycled: not now) or
    disqualified (never), with a reason from the configured list (or, for junk filtered
    by scoring, the rule's name). `decided_by` tells sales (a person or an API key) from
    scoring (a rule, a model or the system). `share` is the count over all rejections of
    the same group, stage and decider, so each reason's weight reads at a glance.
    """

    def __init__(self, request: ReportRequest, stages: StageMachine | None = None) -> None:
        self.request = request
        self.context = ReportContext.of(
            request, stages=stages, default_by=("source", "campaign"), reserved=RESULT_COLUMNS
        )

    def expression(self, tables: ReportTables) -> ir.Table:
        """Rejection reasons as one Ibis expression over the report tables."""
        by = list(self.context.by)
        changes = tables.stage_changes
        wanted = (self.context.stage("nurture"), self.context.stage("disqualified"))
        moves = changes.filter(
            changes.to_stage.isin(wanted) & self.context.in_period(changes.changed_us)
        )
        moves = moves.select(
            lead_id=moves.lead_id,
            stage=moves.to_stage,
            decided_by=moves.actor_type.isin(_AUTOMATIC).ifelse("scoring", "sales"),
            reason=group_value(moves.reason),
        ).join(lead_groups(tables, by), "lead_id")
        keys = [*by, "stage", "decided_by"]
        counted = moves.group_by([*keys, "reason"]).aggregate(count=moves.count())
        total = counted["count"].sum().over(group_by=keys)
        result = counted.mutate(share=ratio(counted["count"], total))
        return result.select(*by, *RESULT_COLUMNS).order_by(
            [*keys, result["count"].desc(), "reason"]
        )
