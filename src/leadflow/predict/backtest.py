"""Backtest a candidate rule model: replay history through it and through the active one.

Both models see each lead's events in time order (the real-time path, nothing saved) and
say when the lead would have become an MQL. History then says which of those leads reached
SQL and which became customers. Only leads sales actually worked could reach SQL, so a
candidate that passes leads the active model never did is judged on outcomes that never had
a chance to happen: its MQL to SQL rate is a floor, not an estimate.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, select

from leadflow.leads.models import Lead
from leadflow.lifecycle.stages import StageMachine
from leadflow.predict.history import first_reached
from leadflow.predict.labels import target_stages
from leadflow.scoring.model import ScoringModel
from leadflow.scoring.replay import first_moves
from leadflow.storage.database import session_factory


@dataclass(frozen=True)
class BacktestSide:
    """What one model would have done over the period."""

    model: str
    mqls: int
    mqls_per_week: float
    mql_to_sql_rate: float
    customers: int
    customers_caught: int
    share_of_customers_caught: float


@dataclass(frozen=True)
class Backtest:
    """A candidate and the active model side by side, and how much earlier it catches."""

    start: datetime
    end: datetime
    weeks: float
    candidate: BacktestSide
    active: BacktestSide
    customers_caught_by_both: int
    median_days_earlier: float | None


def _mql_times(engine: Engine, model: ScoringModel, until: datetime) -> dict[int, datetime]:
    return {
        lead_id: at
        for lead_id, at, score in first_moves(engine=engine, model=model, until=until)
        if score.disqualified_by is None and score.is_mql
    }


def _side(
    name: str,
    mql_at: dict[int, datetime],
    *,
    start: datetime,
    end: datetime,
    weeks: float,
    sqls: dict[int, datetime],
    customers: dict[int, datetime],
) -> BacktestSide:
    mqls = [lead for lead, at in mql_at.items() if start <= at < end]
    caught = [lead for lead, at in customers.items() if lead in mql_at and mql_at[lead] <= at]
    return BacktestSide(
        model=name,
        mqls=len(mqls),
        mqls_per_week=len(mqls) / weeks,
        mql_to_sql_rate=sum(lead in sqls for lead in mqls) / len(mqls) if mqls else 0.0,
        customers=len(customers),
        customers_caught=len(caught),
        share_of_customers_caught=len(caught) / len(customers) if customers else 0.0,
    )


def backtest(
    *,
    engine: Engine,
    machine: StageMachine,
    candidate: ScoringModel,
    active: ScoringModel,
    start: datetime | None,
    end: datetime,
) -> Backtest:
    """Replay leads created in [start, end) through both models and compare the outcomes."""
    with session_factory(engine)() as session:
        born = dict(session.execute(select(Lead.id, Lead.created_at)).all())
        sqls = first_reached(session=session, stages=target_stages(machine, "sql"))
        won = first_reached(session=session, stages=target_stages(machine, "customer"))
    start = start or min(born.values(), default=end)
    cohort = {lead for lead, at in born.items() if start <= at < end}
    customers = {lead: at for lead, at in won.items() if lead in cohort}
    weeks = max((end - start) / timedelta(weeks=1), 1.0)
    times = {
        name: {lead: at for lead, at in _mql_times(engine, model, end).items() if lead in cohort}
        for name, model in (("candidate", candidate), ("active", active))
    }
    sides = {
        name: _side(
            f"{model.name} version {model.version}",
            times[name],
            start=start,
            end=end,
            weeks=weeks,
            sqls=sqls,
            customers=customers,
        )
        for name, model in (("candidate", candidate), ("active", active))
    }
    both = [
        lead
        for lead, at in customers.items()
        if all(lead in times[name] and times[name][lead] <= at for name in times)
    ]
    earlier = [
        (times["active"][lead] - times["candidate"][lead]) / timedelta(days=1) for lead in both
    ]
    return Backtest(
        start=start,
        end=end,
        weeks=weeks,
        candidate=sides["candidate"],
        active=sides["active"],
        customers_caught_by_both=len(both),
        median_days_earlier=statistics.median(earlier) if earlier else None,
    )
