"""Training from the store: point-in-time features and labels, evaluation, the registry.

Nothing is written until the model is fitted and evaluated: any error on the way (an
unknown target, too few positives, a bad exclude) leaves the registry as it was.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from leadflow.activities.models import Activity
from leadflow.config import Settings
from leadflow.engines import connect, duck
from leadflow.errors import InvalidInputError
from leadflow.lifecycle.stages import StageMachine
from leadflow.predict.dataset import TrainingDataError, check_training_set
from leadflow.predict.features import feature_frame, feature_table
from leadflow.predict.labels import LabelWindow, label_window, labelled_points, pending_leads
from leadflow.predict.learners import make_learner
from leadflow.predict.metrics import cross_validate, time_holdout
from leadflow.predict.registry import activate_model, library_versions, record_model
from leadflow.predict.spec import FeatureSpec, feature_spec, unknown_excludes
from leadflow.scoring.batch_inputs import NO_EXPORTS, BatchInputs
from leadflow.scoring.catalog import store_schema
from leadflow.scoring.language import Schema
from leadflow.scoring.rescore import batch_inputs
from leadflow.storage.database import session_factory

EngineKind = Literal["db", "duckdb"]


@dataclass(frozen=True)
class TrainingSet:
    """Features and labels of every training row, and what was left out."""

    spec: FeatureSpec
    window: LabelWindow
    frame: pd.DataFrame
    labels: np.ndarray
    pending_leads: int

    @property
    def features(self) -> pd.DataFrame:
        """The feature columns, in the order the model reads them."""
        return self.frame[self.spec.columns]


@dataclass(frozen=True)
class TrainingResult:
    """What `train_model` did: the version kept, the rows it learned from, its metrics."""

    version: str
    learner: str
    target: str
    active: bool
    rows: int
    leads: int
    positives: int
    negatives: int
    pending_leads: int
    roc_auc_holdout: float | None
    roc_auc_kfold: float
    seconds: float


def training_set(
    *,
    engine: Engine,
    settings: Settings,
    target: str,
    horizon: timedelta,
    as_of: datetime,
    kind: EngineKind = "db",
) -> TrainingSet:
    """Every lead at each prediction time with its features and whether it then converted."""
    config = settings.scoring.predictive
    with session_factory(engine)() as session:
        schema = store_schema(session=session)
        occurred = session.scalars(select(Activity.type).distinct()).all()
    unknown = unknown_excludes(schema, config.exclude)
    if unknown:
        raise InvalidInputError(
            f"scoring.predictive.exclude names unknown attributes: {', '.join(unknown)}"
        )
    spec = feature_spec(schema, exclude=config.exclude, event_types=occurred)
    window = label_window(
        machine=StageMachine(settings.lifecycle),
        target=target,
        horizon=horizon,
        as_of=as_of,
        every=timedelta(days=config.snapshot_every_days),
        count=config.max_snapshots,
    )
    inputs = batch_inputs(engine, kind, NO_EXPORTS, settings)
    return build_training_set(spec, schema, inputs, _stage_changes(engine, inputs), window)


def build_training_set(
    spec: FeatureSpec, schema: Schema, inputs: BatchInputs, changes: Any, window: LabelWindow
) -> TrainingSet:
    """`training_set` on given inputs: the labelled points, then their features."""
    points = labelled_points(window, inputs.leads, changes, inputs.backend)
    labels = points.to_pandas().sort_values(["lead_id", "at_us"], kind="stable")
    pending = int(pending_leads(window, inputs.leads, inputs.backend).execute())
    frame = feature_frame(feature_table(spec, schema, inputs, points.drop("label")), spec)
    keys = labels[["lead_id", "at_us"]].to_numpy()
    if not np.array_equal(keys, frame[["lead_id", "at_us"]].to_numpy()):
        raise RuntimeError("features and labels disagree on the training rows")
    return TrainingSet(spec, window, frame, labels["label"].to_numpy(dtype=int), pending)


def _stage_changes(engine: Engine, inputs: BatchInputs) -> Any:
    source = connect.operational(engine)
    if inputs.backend != "duckdb":
        return source.table("stage_changes")
    return duck.copy_store_table(source, inputs.leads._find_backend(), "stage_changes")


def train_model(
    *,
    engine: Engine,
    settings: Settings,
    target: str,
    horizon: timedelta,
    as_of: datetime,
    learner: str = "lightgbm",
    kind: EngineKind = "db",
    activate: bool = False,
    folds: int = 5,
) -> TrainingResult:
    """Build the training set, evaluate (time holdout, k-fold), fit and record the model."""
    started = time.perf_counter()
    data = training_set(
        engine=engine, settings=settings, target=target, horizon=horizon, as_of=as_of, kind=kind
    )
    return fit_and_record(
        engine=engine,
        settings=settings,
        data=data,
        learner=learner,
        activate=activate,
        folds=folds,
        started=started,
    )


def fit_and_record(
    *,
    engine: Engine,
    settings: Settings,
    data: TrainingSet,
    learner: str = "lightgbm",
    activate: bool = False,
    folds: int = 5,
    started: float | None = None,
) -> TrainingResult:
    """Evaluate on a training set (time holdout, k-fold), fit on all of it, record it."""
    started = time.perf_counter() if started is None else started
    config = settings.scoring.predictive
    target = data.window.target
    X, y = data.features, data.labels
    positives, negatives = check_training_set(
        X,
        y,
        target=target,
        min_positives=config.min_positives,
        min_negatives=config.min_negatives,
    )
    spec = data.spec
    estimator = make_learner(
        learner, numeric=spec.columns[len(spec.categorical) :], categorical=spec.categorical
    )
    kfold = cross_validate(estimator, X, y, folds=folds, groups=data.frame["lead_id"].to_numpy())
    holdout, holdout_note = _holdout(estimator, data)
    estimator.fit(X, y)
    card = _card(data, learner, estimator, kfold, holdout, holdout_note, positives, negatives)
    with session_factory(engine).begin() as session:
        record = record_model(
            session=session, kind=learner, target=target, spec=spec, card=card, learner=estimator
        )
        if activate:
            activate_model(session=session, version=record.version)
        version = record.version
    return TrainingResult(
        version=version,
        learner=learner,
        target=target,
        active=activate,
        rows=len(y),
        leads=int(data.frame["lead_id"].nunique()),
        positives=positives,
        negatives=negatives,
        pending_leads=data.pending_leads,
        roc_auc_holdout=None if holdout is None else holdout.evaluation.roc_auc,
        roc_auc_kfold=kfold.evaluation.roc_auc,
        seconds=time.perf_counter() - started,
    )


def _holdout(estimator: Any, data: TrainingSet) -> tuple[Any, str | None]:
    """Train on rows whose labels were settled before the last prediction time, test on it."""
    window = data.window
    at = pd.to_datetime(data.frame["at_us"], unit="us", utc=True)
    latest = pd.Timestamp(window.latest)
    usable = ((at <= latest - window.horizon) | (at == latest)).to_numpy()
    try:
        result = time_holdout(
            estimator,
            data.features[usable].reset_index(drop=True),
            data.labels[usable],
            times=at[usable].reset_index(drop=True),
            cut=latest,
        )
    except TrainingDataError as exc:
        return None, f"no time holdout: {exc}"
    return result, None


def _card(
    data: TrainingSet,
    learner: str,
    estimator: Any,
    kfold: Any,
    holdout: Any,
    holdout_note: str | None,
    positives: int,
    negatives: int,
) -> dict[str, Any]:
    window = data.window
    return {
        "learner": learner,
        "calibration": getattr(estimator, "method_", None),
        "target": window.target,
        "target_stages": list(window.stages),
        "horizon_days": window.horizon / timedelta(days=1),
        "as_of": window.as_of.isoformat(),
        "prediction_times": [t.isoformat() for t in window.times],
        "rows": len(data.labels),
        "leads": int(data.frame["lead_id"].nunique()),
        "positives": positives,
        "negatives": negatives,
        "pending_leads": data.pending_leads,
        "metrics": {
            "kfold": {"scheme": kfold.scheme, **asdict(kfold.evaluation)},
            "holdout": None
            if holdout is None
            else {"scheme": holdout.scheme, **asdict(holdout.evaluation)},
        },
        "holdout_note": holdout_note,
        "libraries": library_versions(),
        "created_at": pd.Timestamp.now(tz="UTC").isoformat(),
    }
