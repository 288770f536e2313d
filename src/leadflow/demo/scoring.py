"""The demo world scored: the starter model applied to every event as it happened, and
how many of the hidden eventual customers its MQLs include."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select

from leadflow.config import Settings
from leadflow.demo.models import DemoTruth
from leadflow.lifecycle.models import StageChange
from leadflow.scoring.model_file import parse_model, starter_model_text
from leadflow.scoring.replay import ReplaySummary, replay_history
from leadflow.scoring.versions import activate, record_version
from leadflow.storage.database import session_factory


@dataclass(frozen=True)
class DemoScoring:
    """What scoring the world found, judged by the hidden truth."""

    model_version: str
    replay: ReplaySummary
    mqls: int
    customers: int
    customers_among_mqls: int
    mql_precision: float

    @property
    def customer_recall(self) -> float:
        """Share of the hidden eventual customers the MQLs include."""
        return self.customers_among_mqls / self.customers if self.customers else 0.0


def score_world(
    *,
    engine: Engine,
    settings: Settings,
    until: datetime,
    before_move: Callable[[datetime], None] | None = None,
) -> DemoScoring:
    """Activate the starter model and replay the world's history through real-time scoring;
    `before_move(at)` runs before each handoff (the sales floor catching up to `at`)."""
    text = starter_model_text()
    with session_factory(engine).begin() as session:
        model = parse_model(text, file="starter scoring model")
        record_version(session=session, model=model, source=text, source_file="starter.yaml")
        activate(session=session, version=model.version, at=until)
    replay = replay_history(
        engine=engine, model=model, until=until, settings=settings, before_move=before_move
    )
    with session_factory(engine)() as session:
        became_mql = select(StageChange.lead_id).where(StageChange.to_stage == "mql").distinct()
        mqls = session.scalar(select(func.count()).select_from(became_mql.subquery())) or 0
        customers = session.scalar(
            select(func.count()).select_from(DemoTruth).where(DemoTruth.would_win.is_(True))
        )
        found = session.scalar(
            select(func.count())
            .select_from(DemoTruth)
            .where(DemoTruth.would_win.is_(True), DemoTruth.lead_id.in_(became_mql))
        )
        accepting = session.scalar(
            select(func.count())
            .select_from(DemoTruth)
            .where(DemoTruth.would_accept.is_(True), DemoTruth.lead_id.in_(became_mql))
        )
    return DemoScoring(
        model_version=model.version,
        replay=replay,
        mqls=mqls,
        customers=customers or 0,
        customers_among_mqls=found or 0,
        mql_precision=(accepting or 0) / mqls if mqls else 0.0,
    )
