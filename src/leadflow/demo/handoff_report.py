"""What the handoff did to the demo world, read back from the store (history, timers, deals)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from leadflow.config import Settings
from leadflow.lifecycle.models import ActorType, Opportunity, OpportunityStatus, StageChange
from leadflow.lifecycle.stages import StageMachine
from leadflow.routing.models import AssignmentMethod, LeadAssignment
from leadflow.sla.models import SlaTimer, TimerStatus
from leadflow.storage.database import session_factory

_BY_PEOPLE = (ActorType.USER, ActorType.API_KEY)
_ESCALATED = ("reassigned", "manager")
_ROUTED = (
    AssignmentMethod.PREVIOUS_OWNER,
    AssignmentMethod.ACCOUNT_OWNER,
    AssignmentMethod.TERRITORY,
    AssignmentMethod.ROUND_ROBIN,
)


@dataclass(frozen=True)
class HandoffSummary:
    """Counts of the handoff, every one taken from the stage history and its tables."""

    mqls: int
    routed: int
    queued: int
    accepted: int
    rejected: int
    rejection_reasons: list[tuple[str, int]]
    disqualified_by_sales: int
    sqls: int
    opportunities: int
    won: int
    won_revenue: float
    lost: int
    sla_met: int
    sla_breached: int
    escalated: int
    reassigned: int

    @property
    def sla_met_share(self) -> float:
        """Met deadlines among the decided ones (met or breached)."""
        decided = self.sla_met + self.sla_breached
        return self.sla_met / decided if decided else 0.0


def handoff_summary(*, engine: Engine, settings: Settings) -> HandoffSummary:
    """Count what happened from MQL on."""
    machine = StageMachine(settings.lifecycle)
    mql, nurture = machine.name("mql"), machine.name("nurture")
    with session_factory(engine)() as session:
        moves = Counter(
            {
                (from_stage, to_stage): count
                for from_stage, to_stage, count in session.execute(
                    select(StageChange.from_stage, StageChange.to_stage, func.count()).group_by(
                        StageChange.from_stage, StageChange.to_stage
                    )
                )
            }
        )
        into = Counter[str]()
        for (_, to_stage), count in moves.items():
            into[to_stage] += count
        reasons = session.execute(
            select(StageChange.reason, func.count())
            .where(StageChange.from_stage == mql, StageChange.to_stage == nurture)
            .group_by(StageChange.reason)
            .order_by(func.count().desc(), StageChange.reason)
        ).all()
        by_sales = session.scalar(
            select(func.count())
            .select_from(StageChange)
            .where(
                StageChange.to_stage == machine.name("disqualified"),
                StageChange.actor_type.in_(_BY_PEOPLE),
            )
        )
        methods = Counter(
            {
                method: count
                for method, count in session.execute(
                    select(LeadAssignment.method, func.count()).group_by(LeadAssignment.method)
                )
            }
        )
        deals = {
            status: (count, total or 0.0)
            for status, count, total in session.execute(
                select(Opportunity.status, func.count(), func.sum(Opportunity.amount)).group_by(
                    Opportunity.status
                )
            )
        }
        timers = Counter(
            {
                (status, escalation): count
                for status, escalation, count in session.execute(
                    select(SlaTimer.status, SlaTimer.escalation, func.count()).group_by(
                        SlaTimer.status, SlaTimer.escalation
                    )
                )
            }
        )
    breached = {k: v for k, v in timers.items() if k[0] == TimerStatus.BREACHED}
    won_count, won_revenue = deals.get(OpportunityStatus.WON, (0, 0.0))
    return HandoffSummary(
        mqls=into[mql],
        routed=sum(methods[method] for method in _ROUTED),
        queued=methods[AssignmentMethod.QUEUE],
        accepted=moves[(mql, machine.name("sal"))],
        rejected=moves[(mql, nurture)],
        rejection_reasons=[(str(reason), count) for reason, count in reasons],
        disqualified_by_sales=by_sales or 0,
        sqls=into[machine.name("sql")],
        opportunities=sum(count for count, _ in deals.values()),
        won=won_count,
        won_revenue=float(won_revenue),
        lost=deals.get(OpportunityStatus.LOST, (0, 0.0))[0],
        sla_met=sum(v for k, v in timers.items() if k[0] == TimerStatus.MET),
        sla_breached=sum(breached.values()),
        escalated=sum(v for k, v in breached.items() if k[1] in _ESCALATED),
        reassigned=sum(v for k, v in breached.items() if k[1] == "reassigned"),
    )
