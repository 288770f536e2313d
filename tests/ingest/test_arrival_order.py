"""Late and out-of-order arrivals through the service give the numbers of the definition,
whatever the order and however the events are spread over requests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from leadflow.activities.models import Activity
from leadflow.config import Settings
from leadflow.ingest.service import ingest_events
from leadflow.leads.models import Lead
from leadflow.scoring.facts import event_of, lead_attributes
from leadflow.scoring.model import ScoringModel
from leadflow.scoring.models import ScoreRecord
from leadflow.scoring.scorer import score_lead
from leadflow.storage.database import session_factory, write_transaction

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
END = T0 + timedelta(days=20)
# (type, hours after T0, path): decaying rules, a cap (pricing), a negative rule (careers).
EVENTS = (
    ("page_view", 0, "/pricing"),
    ("page_view", 30, "/pricing"),
    ("page_view", 31, "/pricing"),
    ("page_view", 200, "/pricing"),
    ("page_view", 210, "/careers"),
    ("email_click", 5, None),
    ("content_download", 400, None),
)
_leads = itertools.count()


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    order=st.permutations(range(len(EVENTS))),
    arrivals=st.lists(st.integers(0, 480), min_size=len(EVENTS), max_size=len(EVENTS)),
)
def test_arrival_order_never_changes_the_score(
    engine: Engine, settings: Settings, model: ScoringModel, order: list[int], arrivals: list[int]
) -> None:
    email = f"p{next(_leads)}@bigco.example"
    # Event i arrives at the i-th arrival time (hours, ascending): some arrive before they
    # happen (clock skew), some days late. The last request comes at END.
    times = [T0 + timedelta(hours=h) for h in sorted(arrivals)[:-1]] + [END]
    for position, now in zip(order, times, strict=True):
        kind, hours, path = EVENTS[position]
        event = {"type": kind, "email": email, "event_id": f"{email}-{position}",
                 "occurred_at": (T0 + timedelta(hours=hours)).isoformat(),
                 "properties": {"path": path} if path else {}}  # fmt: skip
        with write_transaction(engine) as session:
            ingest_events(session=session, events=[event], settings=settings, now=now)
    with session_factory(engine)() as session:
        record = session.scalars(
            select(ScoreRecord).where(ScoreRecord.model_version == model.version)
            .join(Activity, Activity.lead_id == ScoreRecord.lead_id)
            .where(Activity.event_id == f"{email}-0")
        ).one()  # fmt: skip
        lead_id = record.lead_id
        activities = session.scalars(select(Activity).where(Activity.lead_id == lead_id)).all()
        assert len(activities) == len(EVENTS)
        lead = session.get(Lead, lead_id)
        assert lead is not None
        expected = score_lead(
            model,
            lead_attributes(session=session, lead=lead),
            [event_of(a) for a in activities],
            at=END,
        )
    assert record.as_of == END
    assert record.engagement == pytest.approx(expected.engagement, rel=1e-9)
    assert (record.fit, record.grade, record.is_mql) == (
        expected.fit, expected.grade, expected.is_mql
    )  # fmt: skip
