"""Where to draw the MQL line so the sales team's capacity yields the most SQLs.

For a line L on the active score, the leads above it are the MQLs. Sales works at most
`capacity` a week; if there are more, the ones worked are a random share of them, so the
expected SQLs a week are min(1, capacity / MQLs) times the SQLs above the line. Too high a
line leaves reps idle; too low buries the good leads among many.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.errors import InvalidInputError
from leadflow.leads.models import Lead
from leadflow.lifecycle.stages import StageMachine
from leadflow.predict.history import first_reached
from leadflow.predict.labels import target_stages
from leadflow.predict.models import LeadPrediction
from leadflow.predict.registry import active_model
from leadflow.scoring.models import ScoreRecord
from leadflow.scoring.versions import active_version

CURVE_POINTS = 30


@dataclass(frozen=True)
class LinePoint:
    """One candidate MQL line and what history says it would have given."""

    line: float
    mqls_per_week: float
    sql_rate: float
    expected_sqls_per_week: float


@dataclass(frozen=True)
class ThresholdChoice:
    """The best line for the capacity, the curve around it, and what it was measured on."""

    score: str
    capacity_per_week: float
    leads: int
    sqls: int
    weeks: float
    best: LinePoint
    curve: tuple[LinePoint, ...]


def parse_capacity(text: str) -> float:
    """`200/week`, `40/day` (5 working days) or `200`: leads a week."""
    number, _, unit = text.strip().partition("/")
    per = {"": 1.0, "week": 1.0, "wk": 1.0, "day": 5.0}.get(unit.strip().lower())
    try:
        value = float(number)
    except ValueError:
        value = -1.0
    if per is None or value <= 0:
        raise InvalidInputError(f"--capacity {text!r}: expected leads a week, such as 200/week")
    return value * per


def _scores(session: Session) -> tuple[str, dict[int, float]]:
    trained = active_model(session=session)
    if trained is not None:
        rows = session.execute(
            select(LeadPrediction.lead_id, LeadPrediction.conversion_probability).where(
                LeadPrediction.model_version == trained.version
            )
        )
        return f"conversion_probability (trained model {trained.version})", dict(rows.all())
    rules = active_version(session=session)
    if rules is None:
        raise InvalidInputError("no active scoring model; see `leadflow model activate`")
    rows = session.execute(
        select(ScoreRecord.lead_id, ScoreRecord.fit + ScoreRecord.engagement).where(
            ScoreRecord.model_version == rules.version
        )
    )
    return f"fit + engagement (scoring model {rules.version})", dict(rows.all())


def _point(line: float, above: int, sqls: int, capacity: float, weeks: float) -> LinePoint:
    per_week = above / weeks
    worked = min(1.0, capacity / per_week) if per_week else 0.0
    return LinePoint(
        line=float(line),
        mqls_per_week=per_week,
        sql_rate=sqls / above if above else 0.0,
        expected_sqls_per_week=worked * sqls / weeks,
    )


def choose_threshold(
    *,
    session: Session,
    machine: StageMachine,
    capacity_per_week: float,
    start: datetime | None = None,
    end: datetime | None = None,
) -> ThresholdChoice:
    """The MQL line on the active score that maximises expected SQLs a week."""
    score_name, scores = _scores(session)
    created = select(Lead.id, Lead.created_at)
    if start is not None:
        created = created.where(Lead.created_at >= start)
    if end is not None:
        created = created.where(Lead.created_at < end)
    born = {lead_id: at for lead_id, at in session.execute(created) if lead_id in scores}
    if not born:
        raise InvalidInputError("no scored leads were created in the period; widen --from/--to")
    reached = first_reached(session=session, stages=target_stages(machine, "sql"))
    ids = np.fromiter(born, dtype=np.int64)
    values = np.array([scores[i] for i in ids], dtype=float)
    outcome = np.array([i in reached for i in ids.tolist()], dtype=int)
    span = (start or min(born.values()), end or max(born.values()))
    weeks = max((span[1] - span[0]) / timedelta(weeks=1), 1.0)
    order = np.argsort(-values, kind="stable")
    ranked, hits = values[order], np.cumsum(outcome[order])
    # Each distinct score is a candidate line; leads at or above it are the MQLs.
    lines, first = np.unique(-ranked, return_index=True)
    last = np.append(first[1:], len(ranked)) - 1
    points = [
        _point(-line, int(end_at + 1), int(hits[end_at]), capacity_per_week, weeks)
        for line, end_at in zip(lines, last, strict=True)
    ]
    best = max(points, key=lambda p: (p.expected_sqls_per_week, p.line))
    step = max(1, len(points) // CURVE_POINTS)
    curve = sorted({*points[::step], best}, key=lambda p: -p.line)
    return ThresholdChoice(
        score=score_name,
        capacity_per_week=capacity_per_week,
        leads=len(ids),
        sqls=int(outcome.sum()),
        weeks=weeks,
        best=best,
        curve=tuple(curve),
    )
