"""Scoring with the active trained model: every lead in batch, or the leads that just acted.

Both paths build the same features (the Ibis expression, or its plain-Python twin) and ask
the same estimator, many rows at once, so a lead scored at the same time from the same
inputs gets the same probability either way. Probabilities are kept in `lead_predictions`
with a band A-D; the rule model's MQL criteria may read them as `conversion_probability`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, Insert, Table, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from leadflow.config import Settings, load_settings
from leadflow.engines.duck import arrow_batches
from leadflow.errors import InvalidInputError
from leadflow.leads.models import Lead
from leadflow.predict.features import feature_table, points_at, typed_frame
from leadflow.predict.models import LeadPrediction
from leadflow.predict.online import features_frame
from leadflow.predict.registry import LoadedModel, active_model, load_model
from leadflow.scoring.batch_inputs import BatchInputs
from leadflow.scoring.catalog import store_schema
from leadflow.scoring.events import Event
from leadflow.scoring.facts import leads_events
from leadflow.scoring.language import Schema
from leadflow.storage.base import utcnow
from leadflow.storage.bulk import insert_rows
from leadflow.storage.database import session_factory

PREDICTIONS: Table = LeadPrediction.__table__  # type: ignore[assignment]
BANDS = ("A", "B", "C", "D")
BATCH_ROWS = 50_000


@dataclass(frozen=True)
class Prediction:
    """A lead's conversion probability and its band, under one trained model."""

    probability: float
    band: str


def band_of(probability: float, thresholds: Sequence[float]) -> str:
    """A for the likeliest leads down to D, by the configured thresholds (highest first)."""
    for label, threshold in zip(BANDS, thresholds, strict=False):
        if probability >= threshold:
            return label
    return BANDS[-1]


def predict_frame(model: LoadedModel, frame: pd.DataFrame) -> np.ndarray:
    """The calibrated probability of every row of a feature frame."""
    if frame.empty:
        return np.zeros(0)
    return np.asarray(model.learner.predict_proba(frame[model.spec.columns])[:, 1], dtype=float)


def active_loaded(*, session: Session) -> LoadedModel | None:
    """The active trained model, ready to score; None when no trained model is active."""
    record = active_model(session=session)
    return None if record is None else load_model(session=session, version=record.version)


def with_probabilities(
    *,
    session: Session,
    leads: Sequence[Lead],
    attributes: Mapping[int, dict[str, Any]],
    times: Mapping[int, datetime],
    settings: Settings | None,
) -> None:
    """Real time: with a trained model active, score these leads at their times in one
    batch, keep the probabilities, and add each to the lead's attributes as
    `conversion_probability` for the MQL criteria."""
    model = active_loaded(session=session)
    if model is None or not leads:
        return
    histories = leads_events(session=session, lead_ids=[lead.id for lead in leads])
    predictions = predict_leads(
        session=session,
        model=model,
        leads=[
            (lead.id, attributes[lead.id], histories[lead.id], times[lead.id]) for lead in leads
        ],
        settings=settings or load_settings(),
    )
    for lead in leads:
        attributes[lead.id]["conversion_probability"] = predictions[lead.id].probability


def predict_leads(
    *,
    session: Session,
    model: LoadedModel,
    leads: Sequence[tuple[int, Mapping[str, Any], Sequence[Event], datetime]],
    settings: Settings,
) -> dict[int, Prediction]:
    """Real time: score these leads (id, flat attributes, events, time) in one batch and
    keep their probabilities; the plain-Python twin of `predict_everyone`."""
    if not leads:
        return {}
    frame = features_frame(model.spec, leads)
    probabilities = predict_frame(model, frame)
    thresholds = settings.scoring.predictive.bands
    predictions: dict[int, Prediction] = {}
    rows = []
    for (lead_id, _, _, at), probability in zip(leads, probabilities, strict=True):
        prediction = Prediction(float(probability), band_of(float(probability), thresholds))
        predictions[lead_id] = prediction
        rows.append(_row(lead_id, model.version, prediction, at))
    session.flush()
    session.connection().execute(_upsert(session.get_bind().dialect.name), rows)
    return predictions


def predict_everyone(
    *,
    engine: Engine,
    model: LoadedModel,
    schema: Schema,
    inputs: BatchInputs,
    as_of: datetime,
    settings: Settings,
) -> pd.DataFrame:
    """Batch: every lead's probability at `as_of`, replacing the model's stored ones;
    returns (lead_id, conversion_probability) for the rule scoring that follows."""
    table = feature_table(model.spec, schema, inputs, points_at(inputs, as_of))
    thresholds = settings.scoring.predictive.bands
    kept: list[pd.DataFrame] = []
    with engine.begin() as connection:
        connection.execute(delete(PREDICTIONS).where(PREDICTIONS.c.model_version == model.version))
        for batch in arrow_batches(table, batch_rows=BATCH_ROWS):
            frame = typed_frame(batch.to_pandas(), model.spec)
            probabilities = predict_frame(model, frame)
            rows = [
                _row(int(lead_id), model.version, Prediction(p, band_of(p, thresholds)), as_of)
                for lead_id, p in zip(frame["lead_id"], probabilities.tolist(), strict=True)
            ]
            insert_rows(connection, PREDICTIONS, rows)
            kept.append(pd.DataFrame({"lead_id": frame["lead_id"], "p": probabilities}))
    if not kept:
        return pd.DataFrame({"lead_id": [], "conversion_probability": []})
    result = pd.concat(kept, ignore_index=True)
    return result.rename(columns={"p": "conversion_probability"})


def stored_prediction(*, session: Session, lead_id: int) -> tuple[LoadedModel, Any] | None:
    """The active trained model and its stored prediction row for a lead, if any."""
    model = active_loaded(session=session)
    if model is None:
        return None
    return model, session.get(LeadPrediction, (lead_id, model.version))


def _row(lead_id: int, version: str, prediction: Prediction, at: datetime) -> dict[str, Any]:
    return {
        "lead_id": lead_id,
        "model_version": version,
        "conversion_probability": prediction.probability,
        "band": prediction.band,
        "as_of": at,
        "scored_at": utcnow(),
    }


@cache
def _upsert(dialect: str) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(PREDICTIONS)
    keys = ("lead_id", "model_version")
    return statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={c.name: statement.excluded[c.name] for c in PREDICTIONS.c if c.name not in keys},
    )


def with_batch_probabilities(
    *, engine: Engine, inputs: BatchInputs, as_of: datetime, settings: Settings
) -> BatchInputs:
    """Batch: with a trained model active, score every lead at `as_of`, keep the
    probabilities, and give `inputs.leads` their `conversion_probability` column."""
    with session_factory(engine)() as session:
        model = active_loaded(session=session)
        schema = store_schema(session=session)
    if model is None:
        return inputs
    if inputs.backend == "pyspark":
        # The learned model runs in this process on features built by DuckDB or the store.
        raise InvalidInputError(
            f"trained model {model.version} is active: batch scoring with it runs with"
            " --engine db or duckdb, not spark"
        )
    predicted = predict_everyone(
        engine=engine, model=model, schema=schema, inputs=inputs, as_of=as_of, settings=settings
    )
    backend = inputs.leads._find_backend()
    if inputs.backend == "duckdb":
        frame = predicted.rename(columns={"lead_id": "_pl"})
        table = backend.create_table("_lead_probabilities", frame, overwrite=True)
    else:
        stored = backend.table(PREDICTIONS.name)
        table = stored.filter(stored.model_version == model.version).select(
            _pl=stored.lead_id, conversion_probability=stored.conversion_probability
        )
    leads = inputs.leads
    return replace(inputs, leads=leads.left_join(table, leads.id == table._pl).drop("_pl"))
