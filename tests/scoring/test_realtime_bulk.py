"""Bulk real-time rescoring: many leads at once give exactly what rescoring them one at a
time gives (scores, saved states, stage moves, routing, SLA clocks, webhook outbox), in a
number of SQL statements that does not grow with the number of leads."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from leadflow.activities.models import Activity
from leadflow.config import load_settings
from leadflow.ingest.service import ingest_events
from leadflow.leads.models import Lead
from leadflow.scoring import versions
from leadflow.scoring.model_file import parse_model, starter_model_text
from leadflow.scoring.realtime import rescore_lead, rescore_leads
from leadflow.storage.database import write_transaction
from leadflow.storage.registry import metadata
from leadflow.users.models import User
from leadflow.webhooks.models import WebhookSubscription

MODEL = parse_model(starter_model_text())
SETTINGS = load_settings()
T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=3)
# What each run writes, and what may differ between two equal runs: generated ids (a
# PostgreSQL sequence is not rolled back; webhook payloads name the stage change's id), and
# the wall-clock time a row was written.
COMPARED = ("leads", "lead_scores", "stage_changes", "sla_timers", "webhook_deliveries")
VOLATILE = {"id", "stage_change_id", "message_id"}
VOLATILE |= {"scored_at", "created_at", "updated_at", "next_attempt_at"}

# Who the leads are: fit (seniority, country), junk (student, disposable, competitor).
PROFILES = st.sampled_from(
    [
        {"domain": "bigco.example", "seniority": "vp", "country": "US"},
        {"domain": "bigco.example", "seniority": "director"},
        {"domain": "smallco.example"},
        {"domain": "uni.edu", "title": "Student"},
        {"domain": "mailinator.com", "is_disposable_email": True},
        {"domain": "rival.example", "seniority": "vp"},
    ]
)
# What they do: page views, a demo request (an MQL by itself), negative signals.
EVENTS = st.sampled_from(
    [
        ("page_view", {"path": "/pricing"}),
        ("page_view", {"path": "/docs"}),
        ("page_view", {"path": "/careers"}),
        ("demo_request", {}),
        ("content_download", {}),
        ("unsubscribe", {}),
    ]
)
LEADS = st.lists(
    st.tuples(
        PROFILES,
        st.lists(st.tuples(EVENTS, st.integers(0, 70)), max_size=4),  # history (hours)
        st.lists(st.tuples(EVENTS, st.integers(0, 80)), max_size=4),  # new events (hours)
        st.booleans(),  # scored in real time before the new events (a saved state)
    ),
    min_size=1,
    max_size=8,
)


@contextmanager
def _rolled_back(engine: Engine) -> Iterator[Session]:
    """A write session whose work is undone at the end, so examples share the store."""
    with write_transaction(engine) as session:
        outer = session.begin_nested()
        yield session
        outer.rollback()


def _store(session: Session, leads: list[Any]) -> tuple[list[Lead], dict[int, list[Activity]]]:
    """The leads with their history (scored where asked) and their new, unscored events."""
    session.add(User(email="rep@vendor.example", name="Rep", role="sales"))
    session.add(WebhookSubscription(url="https://hooks.example/in", event_types=["*"],
                                    secret_salt="salt"))  # fmt: skip
    stored, new = [], {}
    for n, (profile, history, fresh, scored) in enumerate(leads):
        fields = {k: v for k, v in profile.items() if k != "domain"}
        lead = Lead(email=f"p{n}@{profile['domain']}", email_domain=profile["domain"],
                    created_at=T0, stage_changed_at=T0, **fields)  # fmt: skip
        session.add(lead)
        session.flush()
        old = [_activity(lead, f"h{i}", kind, at) for i, (kind, at) in enumerate(history)]
        session.add_all(old)
        session.flush()
        if scored:
            rescore_lead(session=session, lead=lead, model=MODEL, new_activities=old,
                         at=T0 + timedelta(hours=70), settings=SETTINGS)  # fmt: skip
        new[lead.id] = [_activity(lead, f"n{i}", kind, at) for i, (kind, at) in enumerate(fresh)]
        session.add_all(new[lead.id])
        stored.append(lead)
    session.flush()
    return stored, new


def _activity(lead: Lead, name: str, kind: tuple[str, dict], hours: int) -> Activity:
    return Activity(event_id=f"{lead.id}-{name}", lead_id=lead.id, type=kind[0],
                    occurred_at=T0 + timedelta(hours=hours), properties=kind[1])  # fmt: skip


def _tables(session: Session) -> dict[str, list[tuple]]:
    """Every row the rescoring may write, without what differs between equal runs."""
    found = {}
    for name in COMPARED:
        table = metadata.tables[name]
        columns = [c for c in table.c if c.name not in VOLATILE]
        rows = session.execute(select(*columns).order_by(*table.primary_key.columns))
        found[name] = [tuple(_steady(value) for value in row) for row in rows]
    return found


def _steady(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _steady(v) for k, v in value.items() if k not in VOLATILE}
    return value


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(leads=LEADS)
def test_bulk_rescoring_equals_one_lead_at_a_time(engine: Engine, leads: list[Any]) -> None:
    with _rolled_back(engine) as session:
        versions.record_version(session=session, model=MODEL, source=starter_model_text())
        versions.activate(session=session, version=MODEL.version)
        stored, new = _store(session, leads)
        one_by_one = session.begin_nested()
        singly = {
            lead.id: rescore_lead(session=session, lead=lead, model=MODEL,
                                  new_activities=new[lead.id], at=NOW, settings=SETTINGS)
            for lead in stored
        }  # fmt: skip
        expected = _tables(session)
        one_by_one.rollback()
        session.expire_all()
        together = rescore_leads(session=session, leads=stored, model=MODEL,
                                 new_activities=new, at=NOW, settings=SETTINGS)  # fmt: skip
        assert together == singly
        assert _tables(session) == expected


def test_a_batch_mixing_mql_and_disqualified_moves_each_as_alone(engine: Engine) -> None:
    # Worked out from the starter model: a demo request within 30 days is an MQL; a
    # student is disqualified before any MQL decision, demo request or not.
    docs = (("page_view", {"path": "/docs"}), 1)
    demo = (("demo_request", {}), 2)
    leads = [
        ({"domain": "bigco.example", "seniority": "vp"}, [docs], [demo], True),
        ({"domain": "uni.edu", "title": "Student"}, [], [demo], False),
        ({"domain": "smallco.example"}, [docs], [], True),
    ]
    with _rolled_back(engine) as session:
        versions.record_version(session=session, model=MODEL, source=starter_model_text())
        versions.activate(session=session, version=MODEL.version)
        stored, new = _store(session, leads)
        moved = rescore_leads(session=session, leads=stored, model=MODEL,
                              new_activities=new, at=NOW, settings=SETTINGS)  # fmt: skip
        assert [moved[lead.id].moved_to for lead in stored] == ["mql", "disqualified", None]
        assert [lead.stage for lead in stored] == ["mql", "disqualified", "lead"]
        assert moved[stored[1].id].score.disqualified_by == "student"


class _Statements:
    """Counts the SQL statements sent on an engine while active."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.count = 0

    def _seen(self, *_: object) -> None:
        self.count += 1

    def __enter__(self) -> "_Statements":
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def _views(leads: int, run: str) -> list[dict[str, Any]]:
    # One docs page view each: a few engagement points, no lead near an MQL.
    return [
        {"event_id": f"{run}-{n}", "type": "page_view", "email": f"p{n}@co{n}.example",
         "occurred_at": (T0 + timedelta(minutes=n)).isoformat(), "properties": {"path": "/docs"}}
        for n in range(leads)
    ]  # fmt: skip


def _statements_of_a_batch(engine: Engine, leads: int) -> int:
    """Statements of one batch of new events for `leads` known, scored leads."""
    with write_transaction(engine) as session:
        ingest_events(session=session, events=_views(leads, "first"), settings=SETTINGS, now=NOW)
    with write_transaction(engine) as session, _Statements(engine) as statements:
        ingest_events(session=session, events=_views(leads, "second"), settings=SETTINGS, now=NOW)
    return statements.count


def test_statements_per_batch_do_not_grow_with_the_leads(engine: Engine) -> None:
    with write_transaction(engine) as session:
        versions.record_version(session=session, model=MODEL, source=starter_model_text())
        versions.activate(session=session, version=MODEL.version)
    few = _statements_of_a_batch(engine, 3)
    with write_transaction(engine) as session:
        for table in ("lead_scores", "activities", "leads", "accounts"):
            session.execute(metadata.tables[table].delete())
    many = _statements_of_a_batch(engine, 60)
    assert few == many


def test_statements_to_rescore_leads_without_a_state_do_not_grow(engine: Engine) -> None:
    # Scored for the first time (no saved state): each lead's history is read, in one query.
    def statements(leads: int, run: str) -> int:
        with write_transaction(engine) as session:
            ingest_events(session=session, events=_views(leads, run), settings=SETTINGS)
        with write_transaction(engine) as session, _Statements(engine) as counted:
            stored = list(session.scalars(select(Lead).order_by(Lead.id)))
            before = counted.count
            rescore_leads(session=session, leads=stored, model=MODEL, new_activities={},
                          at=NOW, settings=SETTINGS)  # fmt: skip
            used = counted.count - before
            session.rollback()
        with write_transaction(engine) as session:
            for table in ("activities", "leads", "accounts"):
                session.execute(metadata.tables[table].delete())
        return used

    with write_transaction(engine) as session:
        versions.record_version(session=session, model=MODEL, source=starter_model_text())
    assert statements(2, "a") == statements(40, "b")
