"""Real time in the store: each activity rescores its lead at once, junk is disqualified,
a qualified lead is handed to sales at the event that qualified it, and replaying bulk
history gives the same moments."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from leadflow.activities.models import Activity
from leadflow.config import load_settings
from leadflow.leads.models import Lead
from leadflow.lifecycle.models import StageChange
from leadflow.scoring import versions
from leadflow.scoring.facts import lead_attributes, lead_events
from leadflow.scoring.model_file import parse_model, starter_model_text
from leadflow.scoring.models import ScoreRecord
from leadflow.scoring.realtime import rescore_lead
from leadflow.scoring.replay import replay_history
from leadflow.scoring.scorer import score_lead
from leadflow.storage.database import session_factory
from leadflow.users.models import User

MODEL = parse_model(starter_model_text())
T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
SETTINGS = load_settings()


def _record_model(session: Session) -> None:
    versions.record_version(session=session, model=MODEL, source=starter_model_text())
    versions.activate(session=session, version=MODEL.version)


def _lead(session: Session, email: str, **fields) -> Lead:
    lead = Lead(email=email, email_domain=email.split("@")[1], created_at=T0, **fields)
    lead.stage_changed_at = T0
    session.add(lead)
    session.flush()
    return lead


def _activity(session: Session, lead: Lead, n: int, kind: str, at: datetime, **props) -> Activity:
    activity = Activity(
        event_id=f"{lead.id}-{n}", lead_id=lead.id, type=kind, occurred_at=at, properties=props
    )
    session.add(activity)
    session.flush()
    return activity


def test_each_activity_rescores_and_a_demo_request_hands_off(session: Session) -> None:
    _record_model(session)
    session.add(User(email="rep@vendor.example", name="Rep", role="sales"))
    lead = _lead(session, "cto@bigco.example", seniority="vp", country="US")
    # Stored, then scored, one at a time, as ingestion does; the second arrives late.
    for i in (0, 2, 1):
        view = _activity(session, lead, i, "page_view", T0 + timedelta(hours=i), path="/blog/x")
        result = rescore_lead(session=session, lead=lead, model=MODEL, new_activities=[view],
                              at=T0 + timedelta(hours=2), settings=SETTINGS)  # fmt: skip
        assert result.moved_to is None and lead.stage == "lead"
    demo = _activity(session, lead, 9, "demo_request", T0 + timedelta(days=1))
    done = rescore_lead(session=session, lead=lead, model=MODEL, new_activities=[demo],
                        at=demo.occurred_at, settings=SETTINGS)  # fmt: skip
    assert done.moved_to == "mql" and lead.stage == "mql"
    change = session.scalars(select(StageChange).where(StageChange.to_stage == "mql")).one()
    assert change.changed_at == demo.occurred_at
    assert change.score_snapshot["model_version"] == MODEL.version
    assert change.score_snapshot["explanation"][0][0] == "demo_request"
    # The saved state gave exactly the definition's numbers.
    expected = score_lead(
        MODEL,
        lead_attributes(session=session, lead=lead),
        lead_events(session=session, lead_id=lead.id),
        at=demo.occurred_at,
    )
    assert done.score == expected
    record = session.get(ScoreRecord, (lead.id, MODEL.version))
    assert record is not None and record.state is not None and record.grade == expected.grade


def test_junk_is_disqualified_with_the_rule_as_reason(session: Session) -> None:
    _record_model(session)
    lead = _lead(session, "kid@uni.edu", title="Student")
    click = _activity(session, lead, 1, "demo_request", T0 + timedelta(hours=1))
    result = rescore_lead(session=session, lead=lead, model=MODEL, new_activities=[click],
                          at=click.occurred_at, settings=SETTINGS)  # fmt: skip
    assert result.moved_to == "disqualified" and result.score.is_mql is False
    change = session.scalars(select(StageChange).where(StageChange.lead_id == lead.id)).one()
    assert (change.to_stage, change.reason, change.actor_type) == (
        "disqualified",
        "student",
        "model",
    )


def test_a_lead_sales_has_is_never_moved_by_its_score(session: Session) -> None:
    _record_model(session)
    lead = _lead(session, "vp@bigco.example", seniority="vp")
    lead.stage = "sql"
    click = _activity(session, lead, 1, "demo_request", T0 + timedelta(hours=1))
    result = rescore_lead(session=session, lead=lead, model=MODEL, new_activities=[click],
                          at=click.occurred_at, settings=SETTINGS)  # fmt: skip
    assert result.score.is_mql and result.moved_to is None and lead.stage == "sql"


def test_replay_moves_leads_at_the_event_that_qualified_them(engine: Engine) -> None:
    with session_factory(engine).begin() as session:
        _record_model(session)
        session.add(User(email="rep@vendor.example", name="Rep", role="sales"))
        buyer = _lead(session, "vp@bigco.example", seniority="vp", country="US")
        junk = _lead(session, "x@mailinator.com", is_disposable_email=True)
        quiet = _lead(session, "ic@smallco.example")
        _activity(session, buyer, 1, "page_view", T0 + timedelta(days=1), path="/product")
        _activity(session, buyer, 2, "demo_request", T0 + timedelta(days=3))
        _activity(session, buyer, 3, "page_view", T0 + timedelta(days=4), path="/docs")
        _activity(session, junk, 1, "page_view", T0 + timedelta(days=2), path="/pricing")
        _activity(session, quiet, 1, "email_open", T0 + timedelta(days=2))
        ids = (buyer.id, junk.id, quiet.id)
    summary = replay_history(
        engine=engine, model=MODEL, until=T0 + timedelta(days=30), settings=SETTINGS
    )
    assert (summary.leads, summary.events, summary.became_mql, summary.disqualified) == (
        3,
        5,
        1,
        1,
    )
    with session_factory(engine)() as session:
        stages = {lead.id: lead.stage for lead in session.scalars(select(Lead))}
        assert [stages[i] for i in ids] == ["mql", "disqualified", "lead"]
        mql = session.scalars(select(StageChange).where(StageChange.to_stage == "mql")).one()
        assert mql.changed_at == T0 + timedelta(days=3)
        scores = session.scalars(select(ScoreRecord)).all()
        assert len(scores) == 3 and all(s.state is not None for s in scores)
        assert {s.as_of for s in scores} == {T0 + timedelta(days=30)}
