"""Starting and stopping SLA clocks as leads enter and leave stages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.config import Settings
from leadflow.leads.models import Lead
from leadflow.lifecycle.stages import StageMachine
from leadflow.routing.models import LeadAssignment
from leadflow.sla.calendar import (
    WEEKDAYS,
    BusinessCalendar,
    add_business_time,
    parse_business_duration,
    parse_working_hours,
)
from leadflow.sla.config import CalendarConfig, SlaPolicy
from leadflow.sla.models import SlaTimer, TimerStatus
from leadflow.users.models import User
from leadflow.webhooks.outbox import emit


def calendar_for(settings: Settings, team: str | None) -> BusinessCalendar:
    """The business calendar of a team: its own fields over `[sla]` over `time_zone`."""
    names = set(CalendarConfig.model_fields) - {"extra_holidays"}
    values = {name: getattr(settings.sla, name) for name in names}
    own = settings.routing.teams.get(team) if team else None
    if own is not None:
        values.update({n: getattr(own, n) for n in names if getattr(own, n) is not None})
    merged = CalendarConfig(**values)
    opens, closes = parse_working_hours(merged.working_hours or "09:00-17:00")
    days = merged.working_days or list(WEEKDAYS[:5])
    extra = set(settings.sla.extra_holidays) | set(own.extra_holidays if own else ())
    return BusinessCalendar(
        time_zone=merged.time_zone or settings.time_zone,
        opens=opens,
        closes=closes,
        working_days=frozenset(WEEKDAYS.index(day) for day in days),
        holiday_country=merged.holiday_country,
        holiday_subdivision=merged.holiday_subdivision,
        extra_holidays=frozenset(extra),
    )


def policy_for(settings: Settings, stage: str) -> SlaPolicy | None:
    """The deadline policy of a stage, looked up by stored name, then by built-in role."""
    if not settings.sla.enabled:
        return None
    policies = settings.sla.policies
    role = StageMachine(settings.lifecycle).role(stage)
    return policies.get(stage) or (policies.get(role) if role else None)


def lead_team(session: Session, lead: Lead) -> str | None:
    """The team a lead belongs to: its owner's, else the queue it was last routed to."""
    if lead.owner_id is not None:
        owner = session.get(User, lead.owner_id)
        if owner is not None and owner.team:
            return owner.team
    return session.scalar(
        select(LeadAssignment.team)
        .where(LeadAssignment.lead_id == lead.id)
        .order_by(LeadAssignment.id.desc())
        .limit(1)
    )


def start_clock(
    *, session: Session, lead: Lead, at: datetime, settings: Settings
) -> SlaTimer | None:
    """Open a timer for the stage the lead is in now, if that stage has a deadline."""
    policy = policy_for(settings, lead.stage)
    if policy is None:
        return None
    team = lead_team(session, lead)
    calendar = calendar_for(settings, team)
    due = add_business_time(at, parse_business_duration(policy.within, calendar), calendar)
    timer = SlaTimer(
        lead_id=lead.id,
        cycle=lead.cycle,
        stage=lead.stage,
        owner_id=lead.owner_id,
        team=team,
        started_at=at,
        due_at=due,
        status=TimerStatus.OPEN,
    )
    session.add(timer)
    session.flush()
    return timer


def stop_clocks(*, session: Session, lead: Lead, at: datetime) -> list[SlaTimer]:
    """Close the lead's open timers: met when left in time, breached (late) otherwise."""
    timers = session.scalars(
        select(SlaTimer).where(SlaTimer.lead_id == lead.id, SlaTimer.status == TimerStatus.OPEN)
    ).all()
    for timer in timers:
        timer.closed_at = at
        if at <= timer.due_at:
            timer.status = TimerStatus.MET
            continue
        # Acted after the deadline, before a sweeper saw it: still a breach, not escalated.
        timer.status = TimerStatus.BREACHED
        timer.breached_at = timer.due_at
        timer.escalation = "none"
        emit(
            session=session,
            event_type="sla.breached",
            lead_id=lead.id,
            occurred_at=at,
            data=timer_payload(timer) | {"escalated": False},
        )
    return list(timers)


def timer_payload(timer: SlaTimer) -> dict[str, object]:
    """The webhook view of a timer."""
    return {
        "timer_id": timer.id,
        "lead_id": timer.lead_id,
        "cycle": timer.cycle,
        "stage": timer.stage,
        "owner_id": timer.owner_id,
        "team": timer.team,
        "started_at": timer.started_at.isoformat(),
        "due_at": timer.due_at.isoformat(),
        "status": timer.status,
        "breached_at": timer.breached_at.isoformat() if timer.breached_at else None,
    }
