"""Random sequences of actions never produce an illegal history, and counts reconcile.

Each example walks three fresh leads through 30 to 60 random steps (any action by any actor
with good or bad input, time passing, SLA sweeps) and checks the whole store after each step.
"""

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from leadflow.config import Settings
from leadflow.errors import LeadflowError
from leadflow.leads.models import Lead
from leadflow.lifecycle import opportunities, service
from leadflow.lifecycle.flows import handoff
from leadflow.lifecycle.models import Opportunity, QualificationEvidence, StageChange
from leadflow.sla.models import SlaTimer
from leadflow.sla.sweeper import run_once
from leadflow.storage.database import session_factory
from leadflow.users.models import User

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
# The design's diagram, written out by hand: the oracle the implementation is checked against.
DEFAULT_MOVES = {
    ("lead", "mql"), ("lead", "disqualified"),
    ("mql", "sal"), ("mql", "nurture"), ("mql", "disqualified"),
    ("sal", "sql"), ("sal", "nurture"), ("sal", "disqualified"),
    ("sql", "opportunity"), ("sql", "nurture"), ("sql", "disqualified"),
    ("opportunity", "customer"), ("opportunity", "lost"),
    ("nurture", "mql"), ("nurture", "disqualified"),
}  # fmt: skip
SKIP_SAL_MOVES = {m for m in DEFAULT_MOVES if "sal" not in m} | {("mql", "sql")}
REASONS = ["not_ready", "wrong_person", "student", "junk", "price", "timing", "bogus", None]
EVIDENCE = [
    {"need": "n", "budget": "b", "authority": "a", "timeline": "t"},
    {"need": "n", "budget": "b"},
    {},
]
ACTIONS = ["mql", "accept", "reject", "qualify", "disqualify", "opportunity", "won", "lost"]
ACTORS = ["system", "owner", "rep1", "rep2", "manager", "marketing"]
# Moves that are likely legal from each stage, so that walks get deep into the funnel.
LIKELY = {
    "lead": ["mql", "mql", "mql", "disqualify"],
    "mql": ["accept", "accept", "qualify", "qualify", "reject", "disqualify"],
    "sal": ["qualify", "qualify", "qualify", "reject", "disqualify"],
    "sql": ["opportunity", "opportunity", "opportunity", "reject", "disqualify"],
    "opportunity": ["won", "lost"],
    "nurture": ["mql", "mql", "disqualify"],
}
SIDE = {"reject": "nurture", "disqualify": "disqualified", "lost": "lost"}


def _act(name: str, **kw: Any) -> None:
    reason, evidence, amount = kw.pop("reason"), kw.pop("evidence"), kw.pop("amount")
    if name == "mql":
        handoff(**kw)
    elif name == "accept":
        service.accept_lead(**kw)
    elif name == "reject":
        service.reject_lead(**kw, reason=reason)
    elif name == "qualify":
        service.qualify_lead(**kw, evidence=evidence)
    elif name == "disqualify":
        service.disqualify_lead(**kw, reason=reason)
    elif name == "opportunity":
        opportunities.open_opportunity(**kw, amount=amount)
    elif name == "won":
        opportunities.mark_won(**kw)
    else:
        opportunities.mark_lost(**kw, reason=reason)


def check_store(
    engine: Engine, moves: set[tuple[str, str]], config: Settings, ids: list[int]
) -> None:
    """Every history of these leads is a legal walk, and the leads table agrees with it."""
    reasons = config.lifecycle.reasons
    with session_factory(engine)() as session:
        leads = {lead.id: lead for lead in session.scalars(select(Lead).where(Lead.id.in_(ids)))}
        changes = session.scalars(
            select(StageChange).where(StageChange.lead_id.in_(ids)).order_by(StageChange.id)
        ).all()
        evidence = set(
            session.scalars(
                select(QualificationEvidence.stage_change_id).where(
                    QualificationEvidence.lead_id.in_(ids)
                )
            )
        )
        last: dict[int, StageChange] = {}
        for change in changes:
            before = last.get(change.lead_id)
            assert change.from_stage == (before.to_stage if before else "lead")
            assert (change.from_stage, change.to_stage) in moves
            new_cycle = change.from_stage == "nurture" and change.to_stage == "mql"
            assert change.cycle == (before.cycle if before else 1) + new_cycle
            assert before is None or change.changed_at >= before.changed_at
            if change.to_stage in reasons:
                assert change.reason in reasons[change.to_stage]
            assert (change.to_stage == "sql") == (change.id in evidence)
            last[change.lead_id] = change
        for lead in leads.values():
            assert lead.stage == (last[lead.id].to_stage if lead.id in last else "lead")
            assert lead.cycle == (last[lead.id].cycle if lead.id in last else 1)
        by_table = dict(
            session.execute(
                select(Lead.stage, func.count()).where(Lead.id.in_(ids)).group_by(Lead.stage)
            ).all()
        )
        by_history = Counter(last[i].to_stage if i in last else "lead" for i in leads)
        assert by_table == dict(by_history)
        open_timers = Counter(
            (t.lead_id, t.stage)
            for t in session.scalars(
                select(SlaTimer).where(SlaTimer.status == "open", SlaTimer.lead_id.in_(ids))
            )
        )
        assert all(
            n == 1 and leads[lead_id].stage == stage for (lead_id, stage), n in open_timers.items()
        )
        open_deals = Counter(
            o.lead_id
            for o in session.scalars(
                select(Opportunity).where(
                    Opportunity.status == "open", Opportunity.lead_id.in_(ids)
                )
            )
        )
        assert {i for i in open_deals} == {
            i for i, lead in leads.items() if lead.stage == "opportunity"
        }
        assert set(open_deals.values()) <= {1}


STEP = st.fixed_dictionaries(
    {
        "lead": st.integers(0, 2),
        "pick": st.integers(0, 59),
        # Half the steps are any action; half are likely legal, so walks get deep.
        "action": st.sampled_from(["likely"] * len(ACTIONS) + ACTIONS),
        "actor": st.sampled_from(["owner", "owner", "owner", "system", "system", *ACTORS[2:]]),
        "reason": st.sampled_from(["valid"] * 4 + REASONS),
        "evidence": st.sampled_from([0, 0, 0, 1, 2]),
        "amount": st.sampled_from([12_000.0, 12_000.0, 12_000.0, None, -1.0, 0.0]),
        "wait_hours": st.sampled_from([0, 0, 0, 0.5, 3, 26, 144]),
        "backdate": st.sampled_from([False] * 5 + [True]),
        "sweep": st.sampled_from([False] * 3 + [True]),
    }
)


def _step(lead: int, action: str, **changes: Any) -> dict[str, Any]:
    step = {"lead": lead, "pick": 0, "action": action, "actor": "system", "reason": "valid"}
    step |= {"evidence": 0, "amount": 12_000.0, "wait_hours": 1, "backdate": False}
    return step | {"sweep": False} | changes


# A walk that visits every stage, recycles a lead and lets an SLA breach be escalated, so
# the property is always checked on deep histories too, whatever the random walks reach.
FULL_WALK = [
    *(_step(0, a) for a in ("mql", "accept", "qualify", "opportunity", "lost")),
    *(_step(1, a) for a in ("mql", "reject", "mql", "accept", "qualify", "opportunity", "won")),
    _step(2, "mql"),
    _step(2, "disqualify", wait_hours=30, sweep=True),
]


def _seed_users(engine: Engine) -> None:
    with session_factory(engine).begin() as session:
        if session.scalar(select(func.count()).select_from(User)):
            return
        manager = User(email="manager@x.com", name="Manager", role="manager", team="na")
        session.add(manager)
        session.flush()
        for name, role in (("rep1", "sales"), ("rep2", "sales"), ("marketing", "marketing")):
            session.add(
                User(email=f"{name}@x.com", name=name, role=role, team="na", manager_id=manager.id)
            )


def _run_step(
    engine: Engine, config: Settings, lead_id: int, step: dict[str, Any], at: datetime, turn: int
) -> None:
    with session_factory(engine)() as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None
        action = step["action"]
        if action == "likely":
            choices = LIKELY.get(lead.stage)
            if not choices:
                return
            # Rotating through the likely moves explores every branch, whatever pick favours.
            action = choices[(step["pick"] + turn) % len(choices)]
        reason = step["reason"]
        if reason == "valid":
            reason = config.lifecycle.reasons.get(SIDE.get(action, ""), [None])[0]
        if step["actor"] == "owner":
            by = session.get(User, lead.owner_id) if lead.owner_id else None
        elif step["actor"] == "system":
            by = None
        else:
            by = session.scalars(select(User).where(User.email == f"{step['actor']}@x.com")).one()
        try:
            _act(
                action,
                session=session,
                lead=lead,
                by=by,
                at=at - timedelta(hours=2) if step["backdate"] else at,
                settings=config,
                reason=reason,
                evidence=EVIDENCE[step["evidence"]],
                amount=step["amount"],
            )
            session.commit()
        except LeadflowError:
            session.rollback()


def _config(variant: str) -> Settings:
    return Settings(
        database_url="sqlite://",
        time_zone="UTC",
        lifecycle={"skip": ["sal"]} if variant == "skip_sal" else {},
        sla={"policies": {
            "mql": {"within": "4 business hours", "escalate": "next_rep"},
            "sal": {"within": "2 business days", "escalate": "manager"},
            "sql": {"within": "3 business days", "escalate": "next_rep"},
        }},
    )  # fmt: skip


@pytest.mark.parametrize("variant", ["default", "skip_sal"])
def test_random_action_sequences_keep_the_history_legal(engine: Engine, variant: str) -> None:
    config = _config(variant)
    moves = SKIP_SAL_MOVES if variant == "skip_sal" else DEFAULT_MOVES
    _seed_users(engine)

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @example(steps=FULL_WALK)
    @given(steps=st.lists(STEP, min_size=30, max_size=60))
    def walk(steps: list[dict[str, Any]]) -> None:
        born = T0 - timedelta(days=1)
        with session_factory(engine).begin() as session:
            leads = [Lead(created_at=born, stage_changed_at=born) for _ in range(3)]
            session.add_all(leads)
            session.flush()
            ids = [lead.id for lead in leads]
        clock = T0
        for turn, step in enumerate(steps):
            clock += timedelta(hours=step["wait_hours"])
            if step["sweep"]:
                run_once(engine=engine, now=clock, settings=config, worker_id="test")
            _run_step(engine, config, ids[step["lead"]], step, clock, turn)
            check_store(engine, moves, config, ids)

    walk()
    with session_factory(engine)() as session:
        reached = set(session.scalars(select(StageChange.to_stage)))
        cycles = set(session.scalars(select(StageChange.cycle)))
        escalations = session.scalar(
            select(func.count()).select_from(SlaTimer).where(SlaTimer.escalation.is_not(None))
        )
    # The walks did explore: every stage, a second cycle, and SLA escalations.
    assert reached == {s for _, s in moves}
    assert 2 in cycles
    assert escalations
