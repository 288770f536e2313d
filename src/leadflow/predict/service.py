"""Predictive scoring's public face: train, activate, and read a lead's probability."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from leadflow.config import Settings
from leadflow.leads.models import Lead
from leadflow.predict.explain import contributions, top_factors
from leadflow.predict.models import LeadPrediction
from leadflow.predict.online import features_frame
from leadflow.predict.registry import activate_model
from leadflow.predict.scoring import active_loaded
from leadflow.predict.training import TrainingResult, train_model
from leadflow.scoring.facts import lead_attributes, lead_events
from leadflow.scoring.rescore import RescoreSummary
from leadflow.scoring.service import score_everyone
from leadflow.storage.database import session_factory

__all__ = ["TrainingResult", "activate_trained", "lead_prediction", "train_model"]


def activate_trained(
    *, engine: Engine, settings: Settings, version: str, as_of: datetime
) -> RescoreSummary:
    """Make a trained model the one in force, then rescore every lead in batch: its
    probabilities first, then the active rule model (whose criteria may read them)."""
    with session_factory(engine).begin() as session:
        activate_model(session=session, version=version, at=as_of)
    return score_everyone(engine=engine, settings=settings, as_of=as_of)


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
