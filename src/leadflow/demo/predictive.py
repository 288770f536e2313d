"""After the simulated year: a model learned from the world's own history against the
starter rules, both judged by the hidden truth on leads the model never saw an outcome for.

The model is trained as `leadflow model train` does (SQL within 90 days, point-in-time
features). It is judged on the leads created in the last 90 days, whose outcomes were not
known at training time: its probability at the end of the year against the rule score
(fit + engagement) at the same time, by ROC AUC on who would buy, and by how many eventual
customers each catches when both hand sales the same number of leads.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sklearn.metrics import roc_auc_score
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from leadflow.config import Settings
from leadflow.demo.models import DemoTruth
from leadflow.leads.models import Lead
from leadflow.lifecycle.models import StageChange
from leadflow.lifecycle.stages import StageMachine
from leadflow.predict.dataset import TrainingDataError
from leadflow.predict.labels import target_stages
from leadflow.predict.online import features_frame
from leadflow.predict.registry import load_model
from leadflow.predict.scoring import predict_frame
from leadflow.predict.training import fit_and_record, training_set
from leadflow.scoring.facts import leads_attributes, leads_events
from leadflow.scoring.models import ModelVersion, ScoreRecord
from leadflow.storage.database import session_factory

HORIZON = timedelta(days=90)
DEMO_LEARNER = "lightgbm"


@dataclass(frozen=True)
class LearnedVersusRules:
    """How the learned model and the starter rules rank the same unseen leads."""

    version: str | None
    training_rows: int
    training_positives: int
    leads: int
    customers: int
    model_auc: float
    rules_auc: float
    handed_over: int
    caught_by_model: int
    caught_by_rules: int
    seconds: float
    skipped: str | None = None


def compare_learned_with_rules(
    *, engine: Engine, settings: Settings, as_of: datetime
) -> LearnedVersusRules:
    """Train on the world's history, then judge model and rules on the newest leads."""
    started = time.perf_counter()
    reason = _too_few_to_learn(engine, settings)
    if reason is not None:
        return _skipped(reason, started)
    try:
        data = training_set(
            engine=engine,
            settings=settings,
            target=StageMachine(settings.lifecycle).name("sql"),
            horizon=HORIZON,
            as_of=as_of,
            kind="duckdb",
        )
        result = fit_and_record(
            engine=engine, settings=settings, data=data, learner=DEMO_LEARNER, folds=3
        )
    except TrainingDataError as exc:
        return _skipped(str(exc), started)
    cut = as_of - HORIZON
    mql = StageMachine(settings.lifecycle).name("mql")
    with session_factory(engine)() as session:
        leads = session.scalars(
            select(Lead).where(Lead.created_at > cut, Lead.created_at <= as_of).order_by(Lead.id)
        ).all()
        ids = [lead.id for lead in leads]
        truth = {
            i: win for i, win in session.execute(select(DemoTruth.lead_id, DemoTruth.would_win))
        }
        rules = _rule_scores(session)
        handed = set(
            session.scalars(select(StageChange.lead_id).where(StageChange.to_stage == mql))
        )
        model = load_model(session=session, version=result.version)
        attributes = leads_attributes(session=session, leads=leads)
        events = leads_events(session=session, lead_ids=ids)
    frame = features_frame(model.spec, [(i, attributes[i], events[i], as_of) for i in ids])
    probability = predict_frame(model, frame)
    wins = np.array([truth.get(i, False) for i in ids], dtype=int)
    rule_score = np.array([rules.get(i, 0.0) for i in ids])
    if wins.sum() == 0 or wins.sum() == len(wins):
        return _skipped("the newest leads hold no eventual customer to find", started)
    count = sum(1 for i in ids if i in handed)
    return LearnedVersusRules(
        version=result.version,
        training_rows=result.rows,
        training_positives=result.positives,
        leads=len(ids),
        customers=int(wins.sum()),
        model_auc=float(roc_auc_score(wins, probability)),
        rules_auc=float(roc_auc_score(wins, rule_score)),
        handed_over=count,
        caught_by_model=int(wins[np.argsort(-probability, kind="stable")[:count]].sum()),
        caught_by_rules=int(sum(wins[k] for k, i in enumerate(ids) if i in handed)),
        seconds=time.perf_counter() - started,
    )


def _too_few_to_learn(engine: Engine, settings: Settings) -> str | None:
    """Why training must fail, known without building it: a lead that reached SQL is a
    positive row at most once per prediction time within the horizon before it."""
    config = settings.scoring.predictive
    per_lead = math.ceil(HORIZON / timedelta(days=config.snapshot_every_days))
    machine = StageMachine(settings.lifecycle)
    wanted = target_stages(machine, machine.name("sql"))
    with session_factory(engine)() as session:
        reached = session.scalar(
            select(func.count(func.distinct(StageChange.lead_id))).where(
                StageChange.to_stage.in_(wanted)
            )
        )
    if (reached or 0) * per_lead < config.min_positives:
        return (
            f"only {reached} leads reached SQL, at most {(reached or 0) * per_lead} positive "
            f"rows, and training needs {config.min_positives}"
        )
    return None


def _rule_scores(session: Session) -> dict[int, float]:
    """Fit plus engagement of every lead under the active rule model."""
    rows = session.execute(
        select(ScoreRecord.lead_id, ScoreRecord.fit + ScoreRecord.engagement)
        .join(ModelVersion, ModelVersion.version == ScoreRecord.model_version)
        .where(ModelVersion.is_active.is_(True))
    )
    return {lead_id: float(score) for lead_id, score in rows}


def _skipped(reason: str, started: float) -> LearnedVersusRules:
    return LearnedVersusRules(
        None, 0, 0, 0, 0, 0.0, 0.0, 0, 0, 0, time.perf_counter() - started, skipped=reason
    )


def comparison_lines(result: LearnedVersusRules) -> str:
    """What `leadflow demo` prints about the learned model."""
    if result.skipped is not None:
        return f"No model learned from this world's history: {result.skipped}."
    text = (
        f"Learned model {result.version} ({DEMO_LEARNER}, SQL within 90 days; "
        f"{result.training_rows:,} lead snapshots, {result.training_positives:,} reached SQL) "
        f"against the starter rules on the {result.leads:,} leads of the last 90 days, whose "
        f"outcomes it never saw: ROC AUC on who buys {result.model_auc:.2f} vs "
        f"{result.rules_auc:.2f}; handing sales the same {result.handed_over:,} leads it "
        f"catches {result.caught_by_model} of {result.customers} eventual customers vs "
        f"{result.caught_by_rules} ({result.seconds:.1f} s)."
    )
    if result.model_auc <= result.rules_auc:
        text += (
            "\nThe rules win here: the model learns only from SQLs, and sales only ever "
            "qualified leads the rules handed over, so it inherits the rules' blind spots "
            "and has few outcomes to learn from; see docs/predictive.md."
        )
    return text
