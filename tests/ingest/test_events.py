"""Events through the service: stored once by id, checked as import rows, every touched
lead rescored at once with the stage moves that follow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from leadflow.activities.models import Activity
from leadflow.config import Settings
from leadflow.ingest.service import (
    RecordProblem,
    RecordsInvalid,
    ingest_events,
    link_anonymous,
    upsert_lead,
)
from leadflow.leads.models import Lead
from leadflow.lifecycle.models import StageChange
from leadflow.scoring.model import ScoringModel
from leadflow.scoring.models import ScoreRecord
from leadflow.storage.database import session_factory, write_transaction
from leadflow.users.models import User

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _view(email: str, at: datetime, path: str, **more: object) -> dict[str, object]:
    return {"type": "page_view", "occurred_at": at.isoformat(), "email": email,
            "properties": {"path": path}, **more}  # fmt: skip


def _count(engine: Engine, what: object) -> int:
    with session_factory(engine)() as session:
        return session.scalar(select(func.count()).select_from(what)) or 0  # type: ignore[arg-type]


def test_the_same_batch_twice_is_stored_once(engine: Engine, settings: Settings) -> None:
    batch = [
        _view("ana@bigco.example", T0, "/pricing", event_id="e-1"),
        _view("ana@bigco.example", T0 + HOUR, "/docs"),  # no id: the import's digest
        _view("ana@bigco.example", T0, "/pricing", event_id="e-1"),  # repeated in the batch
    ]
    with write_transaction(engine) as session:
        first = ingest_events(session=session, events=batch, settings=settings, now=T0 + HOUR)
    with write_transaction(engine) as session:
        again = ingest_events(session=session, events=batch, settings=settings, now=T0 + HOUR)
    assert [e.status for e in first.events] == ["stored", "stored", "duplicate"]
    assert [e.status for e in again.events] == ["duplicate"] * 3
    assert first.events[1].event_id == again.events[1].event_id
    assert (first.stored, first.leads_created, again.stored, again.lead_ids) == (2, 1, 0, ())
    assert first.lead_ids == (first.events[0].lead_id,)
    assert {e.lead_id for e in again.events} == set(first.lead_ids)
    assert _count(engine, Activity) == 2 and _count(engine, Lead) == 1


def test_a_bad_event_is_named_by_index_and_field_and_nothing_is_written(
    engine: Engine, settings: Settings
) -> None:
    batch = [
        _view("ana@bigco.example", T0, "/pricing"),
        {"type": "page_view", "occurred_at": "yesterday", "email": "bob@bigco.example"},
        {
            "type": "page_view",
            "occurred_at": T0.isoformat(),
            "anonymous_id": "a1",
            "colour": "red",
            "properties": {"email": "x@y.example"},
        },
        {"type": "page_view", "occurred_at": T0.isoformat(), "email": "not an address"},
    ]
    with write_transaction(engine) as session, pytest.raises(RecordsInvalid) as caught:
        ingest_events(session=session, events=batch, settings=settings)
    fields = [(p.index, p.field) for p in caught.value.problems]
    assert fields == [(1, "occurred_at"), (2, "colour"), (2, "properties.email"), (3, "email")]
    assert caught.value.problems[0] == RecordProblem(
        1,
        "occurred_at",
        "expected an ISO 8601 date/time such as 2024-05-01 or 2024-05-01T09:30:00Z",
    )
    assert caught.value.within("events").field_problems[0][0] == "events.1.occurred_at"
    assert _count(engine, Activity) == 0 and _count(engine, Lead) == 0


def test_an_unknown_lead_id_is_refused_after_lookup_and_nothing_is_written(
    engine: Engine, settings: Settings
) -> None:
    batch = [_view("ana@bigco.example", T0, "/"), {"type": "x", "occurred_at": "2026-05-04",
             "lead_id": 999}]  # fmt: skip
    with write_transaction(engine) as session, pytest.raises(RecordsInvalid) as caught:
        ingest_events(session=session, events=batch, settings=settings)
    assert [(p.index, p.field, p.reason) for p in caught.value.problems] == [
        (1, "lead_id", "no lead has this id")
    ]
    assert _count(engine, Activity) == 0 and _count(engine, Lead) == 0


def test_scores_move_on_arrival_and_a_demo_request_hands_off(
    engine: Engine, settings: Settings, model: ScoringModel
) -> None:
    with write_transaction(engine) as session:
        profile = {"email": "vp@bigco.example", "seniority": "vp", "country": "US"}
        lead_id = upsert_lead(session=session, profile=profile, settings=settings, now=T0).lead.id
        viewed = ingest_events(session=session, events=[_view("vp@bigco.example", T0,
                               "/pricing")], settings=settings, now=T0)  # fmt: skip
        record = session.get(ScoreRecord, (lead_id, model.version))
        assert record is not None
        # fit: executive 25 + served country 10; engagement: pricing 10 + any page 1.
        assert (record.fit, record.engagement, record.grade) == (35, 11, "C3")
        assert viewed.moved == {} and session.get(Lead, lead_id).stage == "lead"  # type: ignore[union-attr]
    demo = {"type": "demo_request", "occurred_at": (T0 + HOUR).isoformat(),
            "email": "vp@bigco.example"}  # fmt: skip
    with write_transaction(engine) as session:
        result = ingest_events(session=session, events=[demo], settings=settings, now=T0 + HOUR)
    assert result.moved == {lead_id: "mql"}
    with session_factory(engine)() as session:
        record = session.get(ScoreRecord, (lead_id, model.version))
        assert record is not None and record.is_mql and record.grade == "C2"
        # One hour later the pricing view has decayed by 2^(-1h/14d), the page view by 2^(-1h/7d).
        assert record.engagement == pytest.approx(40 + 10 * 2 ** (-1 / 336) + 2 ** (-1 / 168))
        lead = session.get(Lead, lead_id)
        rep = session.scalars(select(User.id).where(User.role == "sales")).one()
        assert lead is not None and (lead.stage, lead.owner_id) == ("mql", rep)
        change = session.scalars(select(StageChange).where(StageChange.to_stage == "mql")).one()
        assert change.changed_at == T0 + HOUR
        assert change.score_snapshot["explanation"][0] == ["demo_request", 40.0]


def test_junk_is_disqualified_when_its_profile_arrives(
    engine: Engine, settings: Settings, model: ScoringModel
) -> None:
    with write_transaction(engine) as session:
        written = upsert_lead(session=session, profile={"email": "kid@uni.edu"},
                              settings=settings, now=T0)  # fmt: skip
        assert (written.created, written.moved_to, written.lead.stage) == (
            True, "disqualified", "disqualified"
        )  # fmt: skip


def test_anonymous_history_joins_the_lead_and_moves_its_score(
    engine: Engine, settings: Settings, model: ScoringModel
) -> None:
    anonymous = [
        {
            "type": "page_view",
            "occurred_at": (T0 + i * HOUR).isoformat(),
            "anonymous_id": "a-7",
            "properties": {"path": "/pricing"},
        }
        for i in range(3)
    ]
    with write_transaction(engine) as session:
        kept = ingest_events(session=session, events=anonymous, settings=settings, now=T0)
        assert kept.lead_ids == () and {e.lead_id for e in kept.events} == {None}
        profile = {"email": "cto@bigco.example", "seniority": "vp", "country": "US"}
        lead = upsert_lead(session=session, profile=profile, settings=settings, now=T0).lead
        fit_only = session.get(ScoreRecord, (lead.id, model.version))
        assert fit_only is not None and fit_only.engagement == 0
    at = T0 + 2 * HOUR
    with write_transaction(engine) as session:
        link = link_anonymous(session=session, anonymous_id="a-7", lead_id=lead.id,
                              settings=settings, now=at)  # fmt: skip
        assert link.events_moved == 3
        # Later events with only the anonymous id join the lead too.
        later = dict(anonymous[0], occurred_at=at.isoformat(), properties={"path": "/docs"})
        joined = ingest_events(session=session, events=[later], settings=settings, now=at)
        assert joined.events[0].lead_id == lead.id
    with session_factory(engine)() as session:
        record = session.get(ScoreRecord, (lead.id, model.version))
        assert record is not None
        # Scored at 2h: pricing views 2h, 1h and 0h old (under the cap of 30), and those
        # plus the docs view as page views.
        pricing = sum(10 * 2 ** (-h / 336) for h in (2, 1, 0))
        pages = sum(2 ** (-h / 168) for h in (2, 1, 0, 0))
        assert pricing < 30 and record.engagement == pytest.approx(pricing + pages)
        assert (fit_only.grade, record.grade) == ("C4", "C2")
    with write_transaction(engine) as session:
        again = link_anonymous(session=session, anonymous_id="a-7", lead_id=lead.id,
                               settings=settings, now=at)  # fmt: skip
        assert again.events_moved == 0
