"""Predictive scoring's public face: train, activate, and read a lead's probability."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from leadflow.config import Settings
from leadflow.leads.models import Lead
from leadflow.predict.explain import contributions, top_factors
from leadflow.predict.models import LeadPrediction
from leadflow.predict.online import features_frame
from leadflow.predict.registry import activate_model
from leadflow.predict.scoring import active_loaded, with_batch_probabilities
from leadflow.predict.training import TrainingResult, train_model
from leadflow.scoring.batch_inputs import store_inputs
from leadflow.scoring.facts import lead_attributes, lead_events
from leadflow.scoring.rescore import RescoreSummary
from leadflow.scoring.service import score_everyone
from leadflow.scoring.versions import active_version
from leadflow.storage.database import session_factory

__all__ = ["ActivatedModel", "TrainingResult", "activate_trained", "lead_prediction", "train_model"]


@dataclass(frozen=True)
class ActivatedModel:
    """What activating a trained model did: leads it scored, and the rules' rescore."""

    version: str
    leads_predicted: int
    rules: RescoreSummary | None


def activate_trained(
    *, engine: Engine, settings: Settings, version: str, as_of: datetime
) -> ActivatedModel:
    """Make a trained model the one in force and score every lead with it; then, when a
    rule model is in force, rescore with it too (its criteria may read the probability)."""
    with session_factory(engine).begin() as session:
        activate_model(session=session, version=version, at=as_of)
        has_rules = active_version(session=session) is not None
    rules = None
    if has_rules or settings.scoring_model is not None:
        rules = score_everyone(engine=engine, settings=settings, as_of=as_of)
    else:
        with_batch_probabilities(
            engine=engine, inputs=store_inputs(engine), as_of=as_of, settings=settings
        )
    with session_factory(engine)() as session:
        count = session.scalar(select(func.count()).where(LeadPrediction.model_version == version))
    return ActivatedModel(version, int(count or 0), rules)


@dataclass(frozen=True)
class LeadPredictionView:
    """What `leads show` and the API say about a lead's probability, and why."""

    model_version: str
    conversion_probability: float
    band: str
    as_of: datetime
    top_positive: list[dict[str, Any]]
    top_negative: list[dict[str, Any]]


def lead_prediction(*, session: Session, lead: Lead, count: int = 3) -> LeadPredictionView | None:
    """The active trained model's stored probability of a lead with the factors behind it
    (recomputed at the stored time); None when no model is active or it has not scored
    the lead yet."""
    model = active_loaded(session=session)
    if model is None:
        return None
    stored = session.get(LeadPrediction, (lead.id, model.version))
    if stored is None:
        return None
    attributes = lead_attributes(session=session, lead=lead)
    events = lead_events(session=session, lead_id=lead.id)
    frame = features_frame(model.spec, [(lead.id, attributes, events, stored.as_of)])
    features = frame[model.spec.columns]
    positive, negative = top_factors(
        contributions(model.learner, features), features, 0, count=count
    )
    return LeadPredictionView(
        model_version=model.version,
        conversion_probability=stored.conversion_probability,
        band=stored.band,
        as_of=stored.as_of,
        top_positive=[_factor(f) for f in positive],
        top_negative=[_factor(f) for f in negative],
    )


def _factor(factor: Any) -> dict[str, Any]:
    return {
        "feature": factor.feature,
        "value": factor.value,
        "contribution": round(factor.contribution, 4),
    }
