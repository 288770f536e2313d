"""The demo's sales floor: reps work the replay's MQLs by the hidden truth, beside the real
SLA sweeper. The store it leaves must be one production could have written."""

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from leadflow.config import Settings
from leadflow.demo.handoff_report import HandoffSummary, handoff_summary
from leadflow.demo.load import load_world
from leadflow.demo.models import DemoTruth
from leadflow.demo.sales import SalesFloor
from leadflow.demo.scoring import score_world
from leadflow.demo.world import WorldSpec
from leadflow.leads.models import Lead
from leadflow.lifecycle.history import stage_counts
from leadflow.lifecycle.models import (
    ActorType,
    Opportunity,
    OpportunityStatus,
    QualificationEvidence,
    StageChange,
)
from leadflow.lifecycle.stages import StageMachine
from leadflow.routing.models import AssignmentMethod, LeadAssignment
from leadflow.sla.models import SlaTimer, TimerStatus
from leadflow.storage.database import create_store_engine, session_factory, transaction
from leadflow.users.models import User
from leadflow.webhooks.models import WebhookDelivery
from leadflow.webhooks.service import subscribe

SERVER_KEY = "test-server-key-that-is-long-enough-0123456789"
SPEC = WorldSpec(leads=700, months=4, seed=11)


def work_world(url: str, spec: WorldSpec = SPEC) -> tuple[Engine, Settings, HandoffSummary]:
    """Load, score and work a world on `url`, with a subscription to every event."""
    settings = Settings(database_url=url)
    engine = create_store_engine(url)
    load_world(engine, spec)
    with transaction(engine) as session:
        subscribe(
            session=session, url="http://127.0.0.1:9/", event_types=["*"], server_key=SERVER_KEY
        )
    floor = SalesFloor(engine=engine, settings=settings, seed=spec.seed, until=spec.ends_at)
    score_world(engine=engine, settings=settings, until=spec.ends_at, before_move=floor.advance)
    floor.finish()
    return engine, settings, handoff_summary(engine=engine, settings=settings)


@pytest.fixture(scope="module")
def worked(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, Settings, HandoffSummary]]:
    """One worked world on SQLite, shared by the checks below."""
    path = tmp_path_factory.mktemp("handoff") / "demo.db"
    path.write_bytes(sqlite_template.read_bytes())
    engine, settings, summary = work_world(f"sqlite:///{path}")
    yield engine, settings, summary
    engine.dispose()


def _events(engine: Engine, event_type: str) -> list[dict[str, Any]]:
    with session_factory(engine)() as session:
        payloads = session.scalars(
            select(WebhookDelivery.payload).where(WebhookDelivery.event_type == event_type)
        )
        return [payload["data"] for payload in payloads]


def test_every_history_is_a_legal_walk_and_counts_reconcile(worked: Any) -> None:
    engine, settings, _ = worked
    machine = StageMachine(settings.lifecycle)
    with session_factory(engine)() as session:
        changes = session.scalars(select(StageChange).order_by(StageChange.id)).all()
        with_evidence = set(session.scalars(select(QualificationEvidence.stage_change_id)))
        owners = {user.id: user for user in session.scalars(select(User))}
        counts = stage_counts(session=session)
        leads = {lead.id: lead for lead in session.scalars(select(Lead))}
    last: dict[int, StageChange] = {}
    for change in changes:
        before = last.get(change.lead_id)
        if before is None:
            assert (change.from_stage, change.to_stage) == (None, "lead")
        else:
            assert change.from_stage == before.to_stage
            assert change.to_stage in machine.moves_from(before.to_stage)
            assert change.changed_at >= before.changed_at
            assert change.cycle == before.cycle
        assert change.changed_at < SPEC.ends_at
        if change.actor_type == ActorType.USER:
            # People give reasons from the configured lists; rules name themselves.
            if machine.reasons_for(change.to_stage):
                assert change.reason in machine.reasons_for(change.to_stage)
            assert change.actor in {user.email for user in owners.values()}
        assert (change.to_stage == "sql") == (change.id in with_evidence)
        last[change.lead_id] = change
    assert counts == Counter(change.to_stage for change in last.values())
    assert all(lead.stage == last[lead.id].to_stage for lead in leads.values())


def test_reps_act_on_their_own_leads_by_the_hidden_truth(worked: Any) -> None:
    engine, _, summary = worked
    with session_factory(engine)() as session:
        truth = {t.lead_id: t for t in session.scalars(select(DemoTruth))}
        mqls = set(
            session.scalars(select(StageChange.lead_id).where(StageChange.to_stage == "mql"))
        )
        accepted = set(
            session.scalars(select(StageChange.lead_id).where(StageChange.to_stage == "sal"))
        )
        final = {lead.id: lead.stage for lead in session.scalars(select(Lead))}
    buyers = {i for i in mqls if truth[i].would_accept}
    rest = mqls - buyers
    assert buyers and rest
    assert len(accepted & buyers) / len(buyers) > 0.8 > 0.2 > len(accepted & rest) / len(rest)
    # Nobody wins who would not buy, and every tire-kicker the reps saw was thrown out.
    assert all(truth[i].would_win for i, stage in final.items() if stage == "customer")
    assert all(not truth[i].would_win for i, stage in final.items() if stage == "lost")
    kickers = {i for i in mqls if truth[i].profile in {"student", "competitor", "job_seeker"}}
    assert all(final[i] in {"disqualified", "mql"} for i in kickers)
    assert summary.mqls == len(mqls) and summary.accepted == len(accepted & mqls)
    assert summary.sqls > 0 and summary.opportunities > 0 and summary.won > 0


def test_won_revenue_is_the_sum_of_won_opportunities(worked: Any) -> None:
    engine, _, summary = worked
    won = _events(engine, "opportunity.won")
    assert summary.won == len(won) > 0
    assert summary.won_revenue == pytest.approx(sum(e["opportunity"]["amount"] for e in won))
    with session_factory(engine)() as session:
        deals = session.scalars(select(Opportunity)).all()
        truth = {t.lead_id: t for t in session.scalars(select(DemoTruth))}
    for deal in deals:
        if deal.status == OpportunityStatus.WON and truth[deal.lead_id].opportunity_amount:
            assert deal.amount == truth[deal.lead_id].opportunity_amount


def test_late_answers_are_breaches_each_escalated_once(worked: Any) -> None:
    engine, _, summary = worked
    with session_factory(engine)() as session:
        timers = session.scalars(select(SlaTimer)).all()
        passed_on = session.scalars(
            select(LeadAssignment).where(LeadAssignment.method == AssignmentMethod.ESCALATION)
        ).all()
    breached = [t for t in timers if t.status == TimerStatus.BREACHED]
    assert 0 < len(breached) < len(timers) / 2
    assert summary.sla_breached == len(breached)
    for timer in timers:
        if timer.status == TimerStatus.MET:
            assert timer.closed_at is not None and timer.closed_at <= timer.due_at
        if timer.status == TimerStatus.BREACHED:
            assert timer.breached_at == timer.due_at
    breach_events = Counter(e["timer_id"] for e in _events(engine, "sla.breached"))
    escalation_events = Counter(e["timer_id"] for e in _events(engine, "sla.escalated"))
    assert breach_events == Counter(t.id for t in breached)
    escalated = [t for t in breached if t.escalation in ("reassigned", "manager")]
    assert escalated and escalation_events == Counter(t.id for t in escalated)
    assert summary.escalated == len(escalated)
    assert len(passed_on) == sum(t.escalation == "reassigned" for t in breached) > 0


def _history(engine: Engine) -> list[str]:
    with session_factory(engine)() as session:
        rows = session.execute(
            select(
                Lead.email,
                StageChange.from_stage,
                StageChange.to_stage,
                StageChange.changed_at,
                StageChange.actor,
                StageChange.reason,
            ).join(Lead, Lead.id == StageChange.lead_id)
        ).all()
        timers = session.execute(
            select(Lead.email, SlaTimer.stage, SlaTimer.due_at, SlaTimer.status, User.email)
            .join(Lead, Lead.id == SlaTimer.lead_id)
            .outerjoin(User, User.id == SlaTimer.owner_id)
        ).all()
    return sorted(map(repr, rows)) + sorted(map(repr, timers))


def test_same_seed_same_handoff_on_either_database(
    db_url: str, sqlite_template: Path, tmp_path: Path
) -> None:
    spec = WorldSpec(leads=250, months=3, seed=5)
    engine, _, summary = work_world(db_url, spec)
    again_path = tmp_path / "again.db"
    again_path.write_bytes(sqlite_template.read_bytes())
    again, _, again_summary = work_world(f"sqlite:///{again_path}", spec)
    try:
        assert summary.mqls > 0
        assert summary == again_summary
        assert _history(engine) == _history(again)
    finally:
        engine.dispose()
        again.dispose()
