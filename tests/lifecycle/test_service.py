"""Stage changes through the services: history, events, evidence, deals, permissions."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from leadflow.config import Settings
from leadflow.errors import InvalidInputError
from leadflow.lifecycle import extra_stages, opportunities, service
from leadflow.lifecycle.actors import NotAllowedError
from leadflow.lifecycle.flows import handoff
from leadflow.lifecycle.history import history_rows, stage_counts
from leadflow.lifecycle.models import Opportunity, QualificationEvidence, StageChange
from leadflow.lifecycle.stages import IllegalTransition
from leadflow.sla.models import SlaTimer

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
H = timedelta(hours=1)
BANT = {"need": "month-end takes 9 days", "budget": "40k", "authority": "CFO", "timeline": "Q2"}
SNAPSHOT = {"fit": 60, "engagement": 45, "grade": "A2", "model_version": "v3"}


def test_a_lead_from_mql_to_customer(world: Any, settings: Settings) -> None:
    rep = world.user("rep@x.com", team="na")
    lead = world.lead("ann@acme.com")
    done = handoff(session=world.session, lead=lead, at=T0, snapshot=SNAPSHOT, settings=settings)
    assert (lead.stage, lead.owner_id, lead.cycle) == ("mql", rep.id, 1)
    assert done.timer is not None and done.timer.stage == "mql"
    kw = {"session": world.session, "lead": lead, "by": rep, "settings": settings}
    service.accept_lead(**kw, at=T0 + H)
    service.qualify_lead(**kw, at=T0 + 2 * H, evidence=BANT)
    deal = opportunities.open_opportunity(**kw, at=T0 + 3 * H, amount=40_000, currency="eur")
    opportunities.mark_won(**kw, at=T0 + 4 * H)
    history = history_rows(session=world.session, lead=lead)
    assert [(r["from"], r["to"]) for r in history] == [
        ("lead", "mql"),
        ("mql", "sal"),
        ("sal", "sql"),
        ("sql", "opportunity"),
        ("opportunity", "customer"),
    ]
    assert history[0]["actor_type"] == "rule" and history[0]["actor"] == "v3"
    assert {r["actor"] for r in history[1:]} == {"rep@x.com"}
    assert history[2]["evidence"] == BANT
    changes = world.session.scalars(select(StageChange)).all()
    assert all(c.score_snapshot == SNAPSHOT for c in changes)
    assert (deal.status, deal.currency, deal.amount, deal.closed_at) == (
        "won",
        "EUR",
        40_000,
        T0 + 4 * H,
    )
    assert [e["type"] for e in world.events()] == [
        "lead.mql",
        "lead.assigned",
        "lead.accepted",
        "lead.sql",
        "opportunity.created",
        "opportunity.won",
    ]
    assert world.events("lead.assigned")[0]["data"]["brief"]["lead"]["email"] == "ann@acme.com"
    timers = world.session.scalars(select(SlaTimer).order_by(SlaTimer.id)).all()
    assert [(t.stage, t.status) for t in timers] == [("mql", "met"), ("sal", "met")]


def test_reject_recycles_and_a_new_mql_is_a_new_cycle(world: Any, settings: Settings) -> None:
    rep = world.user("rep@x.com")
    lead = world.lead("bo@beta.io")
    handoff(session=world.session, lead=lead, at=T0, settings=settings)
    service.reject_lead(
        session=world.session, lead=lead, by=rep, reason="not_ready", at=T0 + H, settings=settings
    )
    assert (lead.stage, lead.cycle) == ("nurture", 1)
    handoff(session=world.session, lead=lead, at=T0 + 48 * H, settings=settings)
    assert (lead.stage, lead.cycle, lead.owner_id) == ("mql", 2, rep.id)
    rows = history_rows(session=world.session, lead=lead)
    assert [(r["cycle"], r["to"], r["reason"]) for r in rows] == [
        (1, "mql", None),
        (1, "nurture", "not_ready"),
        (2, "mql", None),
    ]
    assert [e["type"] for e in world.events() if e["type"].startswith("lead.r")] == [
        "lead.rejected"
    ]


def test_lost_closes_the_deal_with_its_reason(world: Any, settings: Settings) -> None:
    lead = world.lead("cy@gamma.de", stage="sql")
    kw = {"session": world.session, "lead": lead, "settings": settings}
    opportunities.open_opportunity(**kw, amount=9_500, at=T0)
    opportunities.mark_lost(**kw, reason="price", at=T0 + H)
    deal = world.session.scalars(select(Opportunity)).one()
    assert (deal.status, deal.lost_reason, deal.currency) == ("lost", "price", "USD")
    assert world.events("opportunity.lost")[0]["data"]["opportunity"]["amount"] == 9_500


@pytest.mark.parametrize(
    ("stage", "action", "kwargs", "error", "message"),
    [
        ("lead", service.accept_lead, {}, IllegalTransition, "is in stage 'lead'"),
        ("sal", service.reject_lead, {"reason": "bored"}, InvalidInputError, "configured reason"),
        ("sal", service.qualify_lead, {"evidence": {"need": "x"}}, InvalidInputError, "missing"),
        ("sal", service.qualify_lead, {"evidence": {"vibe": "x"}}, InvalidInputError, "unknown"),
        ("sql", opportunities.open_opportunity, {"amount": 0}, InvalidInputError, "above 0"),
        ("sql", opportunities.open_opportunity, {"amount": 5, "currency": "E"}, InvalidInputError,
         "currency"),
        ("customer", service.disqualify_lead, {"reason": "junk"}, IllegalTransition, "final"),
        ("sql", extra_stages.advance_lead, {"to_stage": "sal"}, InvalidInputError, "built-in"),
    ],
)  # fmt: skip
def test_refused_changes_say_why_and_write_nothing(
    world: Any, settings: Settings, stage: str, action: Any, kwargs: dict, error: type, message: str
) -> None:
    lead = world.lead("dee@delta.com", stage=stage)
    world.session.commit()
    with pytest.raises(error, match=message):
        action(session=world.session, lead=lead, at=T0, settings=settings, **kwargs)
    world.session.rollback()
    assert world.session.scalars(select(StageChange)).all() == []
    assert world.session.scalars(select(QualificationEvidence)).all() == []
    assert world.session.get(type(lead), lead.id).stage == stage


def test_a_change_cannot_predate_the_last_one(world: Any, settings: Settings) -> None:
    lead = world.lead("eve@eps.com", stage="mql", stage_changed_at=T0)
    with pytest.raises(InvalidInputError, match="would predate its last change"):
        service.accept_lead(session=world.session, lead=lead, at=T0 - H, settings=settings)
    with pytest.raises(InvalidInputError, match="no time zone"):
        service.accept_lead(
            session=world.session, lead=lead, at=T0.replace(tzinfo=None), settings=settings
        )


def test_who_may_act(world: Any, settings: Settings) -> None:
    owner = world.user("own@x.com")
    other = world.user("other@x.com")
    boss = world.user("boss@x.com", role="manager")
    marketer = world.user("mk@x.com", role="marketing")
    gone = world.user("gone@x.com", active=False)
    owned = world.lead("f@phi.com", stage="mql", owner_id=owner.id)
    queued = world.lead("g@gam.com", stage="mql")
    fresh = world.lead("h@eta.com")
    kw = {"session": world.session, "settings": settings, "at": T0}
    for actor in (other, marketer, gone):
        with pytest.raises(NotAllowedError, match=actor.email):
            service.accept_lead(lead=owned, by=actor, **kw)
    with pytest.raises(NotAllowedError, match="owned by nobody"):
        service.reject_lead(lead=queued, by=other, reason="not_ready", **kw)
    service.accept_lead(lead=queued, by=other, **kw)
    assert queued.owner_id == other.id
    assert world.events("lead.assigned")[-1]["data"]["method"] == "claimed"
    service.reject_lead(lead=owned, by=boss, reason="wrong_person", **kw)
    service.disqualify_lead(lead=fresh, by=marketer, reason="student", **kw)
    assert (owned.stage, fresh.stage) == ("nurture", "disqualified")
    api = service.accept_lead(lead=world.lead("i@iota.com", stage="mql"), via="crm-sync", **kw)
    assert (api.actor_type, api.actor) == ("api_key", "crm-sync")


def test_skipped_sal_and_an_extra_stage(world: Any, settings_with: Any) -> None:
    settings = settings_with(
        lifecycle={
            "stages": ["lead", "mql", "sal", "discovery", "sql", "opportunity", "customer"],
            "skip": ["sal"],
        }
    )
    lead = world.lead("j@jay.com", stage="mql")
    kw = {"session": world.session, "lead": lead, "settings": settings}
    with pytest.raises(IllegalTransition, match=r"skips 'sal'.*advance \(-> discovery\)"):
        service.accept_lead(**kw, at=T0)
    extra_stages.advance_lead(**kw, to_stage="discovery", at=T0)
    service.qualify_lead(**kw, evidence=BANT, at=T0 + H)
    assert lead.stage == "sql"
    assert world.events()[0]["type"] == "lead.stage_changed"
    assert stage_counts(session=world.session) == {"sql": 1}


def test_a_scoring_rule_disqualifies_with_its_own_name(world: Any, settings: Settings) -> None:
    lead = world.lead("kid@uni.edu")
    change = service.disqualify_by_rule(
        session=world.session,
        lead=lead,
        rule="student e-mail",
        model_version="v4",
        at=T0,
        settings=settings,
        score_snapshot=SNAPSHOT,
    )
    assert (change.to_stage, change.reason, change.actor_type, change.actor) == (
        "disqualified",
        "student e-mail",
        "model",
        "v4",
    )
    assert world.events("lead.disqualified")[0]["data"]["reason"] == "student e-mail"
    taken = world.lead("vp@corp.com", stage="customer")
    with pytest.raises(IllegalTransition, match="'customer' is final"):
        service.disqualify_by_rule(
            session=world.session, lead=taken, rule="x", model_version="v4", settings=settings
        )
