"""SLA clocks on stage changes, and the sweeper: breach, reassign, then the manager."""

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select, update

from leadflow.config import Settings
from leadflow.leads.models import Lead
from leadflow.lifecycle import service
from leadflow.lifecycle.flows import handoff
from leadflow.routing.models import LeadAssignment
from leadflow.sla.models import SlaTimer
from leadflow.sla.sweeper import run_forever, run_once

H = timedelta(hours=1)
NY = ZoneInfo("America/New_York")
T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def _timers(world: Any) -> list[SlaTimer]:
    return list(world.session.scalars(select(SlaTimer).order_by(SlaTimer.id)))


def _sweep(world: Any, engine: Engine, settings: Settings, now: datetime) -> Any:
    world.session.commit()
    summary = run_once(engine=engine, now=now, settings=settings, worker_id="w")
    world.session.expire_all()
    return summary


def test_deadlines_use_the_team_calendar(world: Any, settings_with: Any) -> None:
    settings = settings_with(
        routing={"teams": {"na": {"time_zone": "America/New_York", "holiday_country": "US"}}}
    )
    rep = world.user("rep@x.com", team="na")
    lead = world.lead("a@a.com")
    wednesday = datetime(2026, 11, 25, 15, tzinfo=NY)
    done = handoff(session=world.session, lead=lead, at=wednesday, settings=settings)
    # Four business hours over Thanksgiving: Friday 11:00 in New York.
    assert done.timer.due_at == datetime(2026, 11, 27, 11, tzinfo=NY)
    assert (done.timer.team, done.timer.owner_id) == ("na", rep.id)
    kw = {"session": world.session, "lead": lead, "by": rep, "settings": settings}
    service.accept_lead(**kw, at=wednesday + H)
    mql, sal = _timers(world)
    assert (mql.status, mql.closed_at) == ("met", wednesday + H)
    # Five business days from Wednesday 16:00, skipping Thanksgiving: next Thursday 16:00.
    assert sal.due_at == datetime(2026, 12, 3, 16, tzinfo=NY)


def test_acting_late_is_a_breach_without_escalation(world: Any, settings: Settings) -> None:
    rep = world.user("rep@x.com")
    lead = world.lead("a@a.com")
    handoff(session=world.session, lead=lead, at=T0, settings=settings)
    service.accept_lead(session=world.session, lead=lead, by=rep, at=T0 + 30 * H, settings=settings)
    mql = _timers(world)[0]
    assert (mql.status, mql.breached_at, mql.escalation) == ("breached", mql.due_at, "none")
    [event] = world.events("sla.breached")
    assert event["data"]["escalated"] is False
    assert world.events("sla.escalated") == []


def test_a_breach_passes_the_lead_on_then_tells_the_manager(
    world: Any, engine: Engine, settings: Settings
) -> None:
    boss = world.user("boss@x.com", role="manager")
    first = world.user("first@x.com", manager_id=boss.id)
    second = world.user("second@x.com", manager_id=boss.id)
    lead = world.lead("a@a.com")
    handoff(session=world.session, lead=lead, at=T0, settings=settings)
    due = _timers(world)[0].due_at  # Monday 14:00 UTC + 4 business hours = Tuesday 10:00
    assert due == datetime(2026, 3, 3, 10, tzinfo=UTC)
    assert _sweep(world, engine, settings, due - timedelta(seconds=1)).claimed == 0
    summary = _sweep(world, engine, settings, due)
    assert (summary.claimed, summary.outcomes) == (1, {"reassigned": 1})
    lead = world.session.get(Lead, lead.id)
    assert lead.owner_id == second.id
    breached, fresh = _timers(world)
    assert (breached.status, breached.escalation, breached.escalated_to_id) == (
        "breached",
        "reassigned",
        second.id,
    )
    assert breached.claimed_by == "w"
    assert (fresh.status, fresh.owner_id, fresh.started_at) == ("open", second.id, due)
    assert [e["type"] for e in world.events()[-3:]] == [
        "sla.breached",
        "lead.assigned",
        "sla.escalated",
    ]
    assert world.events("lead.assigned")[-1]["data"]["method"] == "escalation"
    assert _sweep(world, engine, settings, due).claimed == 0
    # The second owner misses it too: one reassignment allowed, so the manager hears of it.
    summary = _sweep(world, engine, settings, fresh.due_at + H)
    assert summary.outcomes == {"manager": 1}
    assert world.session.get(Lead, lead.id).owner_id == second.id
    last = _timers(world)[-1]
    assert (last.escalation, last.escalated_to_id) == ("manager", boss.id)
    assert world.events("sla.escalated")[-1]["data"]["escalated_to_email"] == "boss@x.com"
    assert len(world.events("sla.breached")) == 2
    assignments = world.session.scalars(select(LeadAssignment).order_by(LeadAssignment.id))
    assert [(a.user_id, a.method) for a in assignments] == [
        (first.id, "round_robin"),
        (second.id, "escalation"),
    ]


def test_the_team_manager_hears_of_a_stalled_sal(
    world: Any, engine: Engine, settings_with: Any
) -> None:
    settings = settings_with(routing={"teams": {"na": {"manager": "Lead@x.com"}}})
    head = world.user("lead@x.com", role="manager", team="na")
    rep = world.user("rep@x.com", team="na")
    lead = world.lead("a@a.com", owner_id=rep.id, stage="mql")
    service.accept_lead(session=world.session, lead=lead, by=rep, at=T0, settings=settings)
    sal = _timers(world)[0]
    assert sal.due_at == T0 + timedelta(days=7)
    summary = _sweep(world, engine, settings, sal.due_at)
    assert summary.outcomes == {"manager": 1}
    assert _timers(world)[0].escalated_to_id == head.id


def test_no_one_to_escalate_to_only_marks_the_breach(
    world: Any, engine: Engine, settings: Settings
) -> None:
    rep = world.user("rep@x.com")
    lead = world.lead("a@a.com")
    handoff(session=world.session, lead=lead, at=T0, settings=settings)
    summary = _sweep(world, engine, settings, T0 + 48 * H)
    assert summary.outcomes == {"none": 1}
    assert world.session.get(Lead, lead.id).owner_id == rep.id
    assert len(world.events("sla.breached")) == 1
    assert world.events("sla.escalated") == []


def test_a_timer_whose_lead_moved_on_is_closed_not_escalated(
    world: Any, engine: Engine, settings: Settings
) -> None:
    world.user("rep@x.com")
    world.user("other@x.com")
    lead = world.lead("a@a.com")
    handoff(session=world.session, lead=lead, at=T0, settings=settings)
    # Something outside the services (an old import) moved the stage without the clock.
    world.session.execute(
        update(Lead).where(Lead.id == lead.id).values(stage="sal", stage_changed_at=T0 + H)
    )
    summary = _sweep(world, engine, settings, T0 + 48 * H)
    assert summary.outcomes == {"closed": 1}
    assert _timers(world)[0].status == "met"
    assert world.events("sla.breached") == []


def test_policies_follow_renamed_stages_and_can_be_switched_off(
    world: Any, settings_with: Any
) -> None:
    world.user("rep@x.com")
    renamed = settings_with(lifecycle={"rename": {"mql": "hot"}})
    lead = world.lead("a@a.com")
    done = handoff(session=world.session, lead=lead, at=T0, settings=renamed)
    assert (lead.stage, done.timer.stage) == ("hot", "hot")
    off = settings_with(sla={"enabled": False})
    other = world.lead("b@b.com")
    assert handoff(session=world.session, lead=other, at=T0, settings=off).timer is None


def test_the_background_loop_sweeps_until_stopped(
    world: Any, engine: Engine, settings: Settings
) -> None:
    world.user("rep@x.com")
    handoff(session=world.session, lead=world.lead("a@a.com"), at=T0, settings=settings)
    world.session.commit()
    stop = threading.Event()
    loop = threading.Thread(
        target=run_forever,
        kwargs={"engine": engine, "stop": stop, "settings": settings, "interval": 0.05},
    )
    loop.start()
    try:
        for _ in range(100):
            world.session.expire_all()
            if _timers(world)[0].status == "breached":
                break
            time.sleep(0.05)
    finally:
        stop.set()
        loop.join(timeout=5)
    assert not loop.is_alive()
    assert _timers(world)[0].status == "breached"
