"""The demo's sales floor: reps work the MQLs a replay hands them, beside the SLA sweeper.

Everything runs in simulated time, in time order: the replay's handoffs (call `advance(at)`
before each), the reps' actions through the lifecycle services, and runs of the real sweeper
at the moments a server's sweeper would wake (the first tick of `[sla] interval_seconds` at
or after a deadline). Stage history, SLA timers, assignments and the outbox are what
production would write; a rep who answers late is a breach, escalated as configured.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from leadflow.config import Settings
from leadflow.demo.models import DemoTruth
from leadflow.demo.reps import RepPlan, Step, lead_stream, plan_for
from leadflow.leads.models import Lead
from leadflow.lifecycle import opportunities, service
from leadflow.lifecycle.models import StageChange
from leadflow.lifecycle.stages import StageMachine
from leadflow.sla.calendar import BusinessCalendar, add_business_time
from leadflow.sla.clocks import calendar_for, lead_team
from leadflow.sla.models import SlaTimer, TimerStatus
from leadflow.sla.sweeper import run_once
from leadflow.storage.database import session_factory
from leadflow.users.models import Role, User

SWEEPER_ID = "demo-sweeper"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class _Work:
    """A lead being worked: its plan, the next step, and the stage the rep expects."""

    plan: RepPlan
    step: int
    stage: str
    version: int = 0


class SalesFloor:
    """Reps acting on MQLs by the hidden truth, in time order with the real sweeper."""

    def __init__(self, *, engine: Engine, settings: Settings, seed: int, until: datetime):
        self.engine, self.settings, self.seed, self.until = engine, settings, seed, until
        self.machine = StageMachine(settings.lifecycle)
        self._factory = session_factory(engine)
        self._work: dict[int, _Work] = {}
        self._queue: list[tuple[datetime, int, int]] = []  # (at, lead id, work version)
        self._seen_change = 0
        self._calendars: dict[str | None, BusinessCalendar] = {}
        self._tick = timedelta(seconds=settings.sla.interval_seconds)
        self.actions = 0
        self.sweeps = 0

    def advance(self, to: datetime) -> None:
        """Let reps act and the sweeper run on everything due before `to`."""
        self._take_new_mqls()
        while True:
            action_at = self._queue[0][0] if self._queue else None
            sweep_at = self._next_sweep()
            if (
                sweep_at is not None
                and sweep_at < to
                and (action_at is None or sweep_at < action_at)
            ):
                self._sweep(sweep_at)
            elif action_at is not None and action_at < to:
                self._act_until(min(to, sweep_at) if sweep_at is not None else to)
            else:
                return

    def finish(self) -> None:
        """Run the floor to the end of the world; later steps never happen."""
        self.advance(self.until)

    def _calendar(self, session: Session, lead: Lead) -> BusinessCalendar:
        team = lead_team(session, lead)
        if team not in self._calendars:
            self._calendars[team] = calendar_for(self.settings, team)
        return self._calendars[team]

    def _schedule(self, lead_id: int, at: datetime) -> None:
        work = self._work[lead_id]
        work.version += 1
        if at < self.until:
            heapq.heappush(self._queue, (at, lead_id, work.version))

    def _take_new_mqls(self) -> None:
        """Plan the handoffs made since the last look (the replay made them, not us)."""
        # Called before every replayed move: a bare query first, the ORM only for news.
        with self.engine.connect() as connection:
            news = connection.execute(
                select(
                    StageChange.id,
                    StageChange.lead_id,
                    StageChange.cycle,
                    StageChange.to_stage,
                    StageChange.changed_at,
                )
                .where(
                    StageChange.id > self._seen_change,
                    StageChange.to_stage == self.machine.name("mql"),
                )
                .order_by(StageChange.id)
            ).all()
        if not news:
            return
        self._seen_change = news[-1].id
        with self._factory() as session:
            for change in news:
                lead = session.get(Lead, change.lead_id)
                truth = session.get(DemoTruth, change.lead_id)
                if lead is None or truth is None or lead.email is None:
                    continue  # not a demo lead: nobody on the floor knows it
                rng = lead_stream(self.seed, lead.email, change.cycle)
                plan = plan_for(lead=lead, truth=truth, rng=rng, machine=self.machine)
                self._work[lead.id] = _Work(plan, 0, change.to_stage)
                first = add_business_time(
                    change.changed_at, plan.steps[0].after, self._calendar(session, lead)
                )
                self._schedule(lead.id, first)

    def _next_sweep(self) -> datetime | None:
        """When a server's sweeper would first see the earliest open deadline."""
        with self._factory() as session:
            due = session.scalar(
                select(func.min(SlaTimer.due_at)).where(SlaTimer.status == TimerStatus.OPEN)
            )
        return self._wake_at(due)

    def _wake_at(self, due: datetime | None) -> datetime | None:
        if due is None or due >= self.until:
            return None
        ticks = math.ceil((due - _EPOCH) / self._tick)
        return _EPOCH + ticks * self._tick

    def _sweep(self, at: datetime) -> None:
        summary = run_once(engine=self.engine, now=at, worker_id=SWEEPER_ID, settings=self.settings)
        self.sweeps += 1
        if not summary.outcomes.get("reassigned"):
            return
        # A lead passed on to the next rep is answered by that rep, from now.
        with self._factory() as session:
            moved = session.scalars(
                select(SlaTimer.lead_id).where(
                    SlaTimer.id.in_(summary.timer_ids), SlaTimer.escalation == "reassigned"
                )
            ).all()
            for lead_id in moved:
                work = self._work.get(lead_id)
                lead = session.get(Lead, lead_id)
                if work is None or lead is None or work.step != 0:
                    continue
                answer = add_business_time(
                    at, work.plan.escalated_response, self._calendar(session, lead)
                )
                self._schedule(lead_id, answer)

    def _act_until(self, limit: datetime) -> None:
        """Every rep action due up to `limit` (inclusive), in one transaction."""
        with self._factory.begin() as session:
            while self._queue and self._queue[0][0] <= limit:
                at, lead_id, version = heapq.heappop(self._queue)
                work = self._work.get(lead_id)
                if work is None or version != work.version:
                    continue  # rescheduled or finished since
                lead = session.get(Lead, lead_id)
                if lead is None or lead.stage != work.stage:
                    del self._work[lead_id]  # someone else moved it: the plan is moot
                    continue
                self._act(session, lead, work, at)
                # A clock this action started may run out before the next action is due.
                due = session.scalar(
                    select(func.min(SlaTimer.due_at)).where(
                        SlaTimer.lead_id == lead_id, SlaTimer.status == TimerStatus.OPEN
                    )
                )
                wake = self._wake_at(due)
                limit = min(limit, wake) if wake is not None else limit

    def _act(self, session: Session, lead: Lead, work: _Work, at: datetime) -> None:
        step = work.plan.steps[work.step]
        by = self._actor(session, lead)
        _STEPS[step.verb](session, lead, step, by, at, self.settings)
        self.actions += 1
        work.step += 1
        work.stage = lead.stage
        if work.step == len(work.plan.steps):
            del self._work[lead.id]
            return
        after = work.plan.steps[work.step].after
        self._schedule(lead.id, add_business_time(at, after, self._calendar(session, lead)))

    def _actor(self, session: Session, lead: Lead) -> User:
        """The lead's owner; for a lead in the team queue, its region's manager."""
        owner = session.get(User, lead.owner_id) if lead.owner_id is not None else None
        if owner is not None:
            return owner
        managers = session.scalars(
            select(User).where(User.role == Role.MANAGER, User.active.is_(True)).order_by(User.id)
        ).all()
        for manager in managers:
            if lead.region in (manager.territory or {}).get("region", []):
                return manager
        if not managers:
            raise LookupError(f"lead {lead.id} is in the queue and no manager can work it")
        return managers[0]


def _accept(s: Session, lead: Lead, step: Step, by: User, at: datetime, cfg: Settings) -> Any:
    return service.accept_lead(session=s, lead=lead, by=by, at=at, settings=cfg)


def _reject(s: Session, lead: Lead, step: Step, by: User, at: datetime, cfg: Settings) -> Any:
    reason = step.reason or ""
    return service.reject_lead(session=s, lead=lead, reason=reason, by=by, at=at, settings=cfg)


def _disqualify(s: Session, lead: Lead, step: Step, by: User, at: datetime, cfg: Settings) -> Any:
    reason = step.reason or ""
    return service.disqualify_lead(session=s, lead=lead, reason=reason, by=by, at=at, settings=cfg)


def _qualify(s: Session, lead: Lead, step: Step, by: User, at: datetime, cfg: Settings) -> Any:
    evidence = dict(step.evidence or {})
    return service.qualify_lead(session=s, lead=lead, evidence=evidence, by=by, at=at, settings=cfg)


def _open(s: Session, lead: Lead, step: Step, by: User, at: datetime, cfg: Settings) -> Any:
    amount = step.amount or 0.0
    return opportunities.open_opportunity(
        session=s, lead=lead, amount=amount, by=by, at=at, settings=cfg
    )


def _won(s: Session, lead: Lead, step: Step, by: User, at: datetime, cfg: Settings) -> Any:
    return opportunities.mark_won(session=s, lead=lead, by=by, at=at, settings=cfg)


def _lost(s: Session, lead: Lead, step: Step, by: User, at: datetime, cfg: Settings) -> Any:
    reason = step.reason or ""
    return opportunities.mark_lost(session=s, lead=lead, reason=reason, by=by, at=at, settings=cfg)


_STEPS = {
    "accept": _accept,
    "reject": _reject,
    "disqualify": _disqualify,
    "qualify": _qualify,
    "opportunity": _open,
    "won": _won,
    "lost": _lost,
}
