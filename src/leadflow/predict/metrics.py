"""How good a probability is: ranking, calibration and lift, on folds or on a later period."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.calibration import calibration_curve
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, cross_val_predict

from leadflow.predict.dataset import check_target

CALIBRATION_BINS = 10


@dataclass(frozen=True)
class CalibrationBin:
    """Rows whose predicted probability fell in [low, high): mean prediction vs observed rate."""

    low: float
    high: float
    count: int
    predicted: float
    observed: float


@dataclass(frozen=True)
class Evaluation:
    """Metrics of predicted probabilities against outcomes (positives are 1)."""

    roc_auc: float
    pr_auc: float
    brier: float
    ece: float
    top_decile_lift: float
    top_decile_share: float
    n: int
    positives: int
    calibration: tuple[CalibrationBin, ...]


@dataclass(frozen=True)
class Validation:
    """An evaluation and the held-out probabilities it was computed from."""

    scheme: str
    evaluation: Evaluation
    probabilities: np.ndarray
    rows: np.ndarray


def _calibration_table(y: np.ndarray, p: np.ndarray, bins: int) -> tuple[CalibrationBin, ...]:
    observed, predicted = calibration_curve(y, p, n_bins=bins, strategy="uniform")
    edges = np.linspace(0.0, 1.0, bins + 1)
    # The same bin assignment calibration_curve makes, to know each non-empty bin's size.
    counts = np.bincount(np.searchsorted(edges[1:-1], p), minlength=bins)
    filled = np.flatnonzero(counts)
    return tuple(
        CalibrationBin(
            low=float(edges[i]),
            high=float(edges[i + 1]),
            count=int(counts[i]),
            predicted=float(pred),
            observed=float(obs),
        )
        for i, pred, obs in zip(filled, predicted, observed, strict=True)
    )


def evaluate(
    y_true: Sequence[int] | np.ndarray, y_prob: Any, *, bins: int = CALIBRATION_BINS
) -> Evaluation:
    """Every metric for one set of outcomes (0/1) and predicted probabilities of 1."""
    y = np.asarray(y_true, dtype=int)
    p = np.asarray(y_prob, dtype=float)
    table = _calibration_table(y, p, bins)
    n = len(y)
    ece = sum(b.count * abs(b.predicted - b.observed) for b in table) / n
    top = np.argsort(-p, kind="stable")[: max(1, int(np.ceil(n / 10)))]
    positives = int(y.sum())
    caught = int(y[top].sum())
    return Evaluation(
        roc_auc=float(roc_auc_score(y, p)),
        pr_auc=float(average_precision_score(y, p)),
        brier=float(brier_score_loss(y, p)),
        ece=float(ece),
        top_decile_lift=(caught / len(top)) / (positives / n),
        top_decile_share=caught / positives,
        n=n,
        positives=positives,
        calibration=table,
    )


def cross_validate(
    learner: Any,
    X: pd.DataFrame,
    y: Any,
    *,
    folds: int = 5,
    random_state: int = 0,
    groups: Any = None,
) -> Validation:
    """Stratified k-fold: every row is predicted by a model that never saw it.

    With `groups` (say, lead ids when one lead gives several rows), a group's rows all sit
    on the same side of every split.
    """
    labels = np.asarray(y, dtype=int)
    check_target(labels, minimum_each=folds, name="target")
    splitter: StratifiedKFold | StratifiedGroupKFold = (
        StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
        if groups is None
        else StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=random_state)
    )
    probabilities = cross_val_predict(
        learner, X, labels, cv=splitter, groups=groups, method="predict_proba"
    )[:, 1]
    return Validation(
        scheme=f"{folds}-fold stratified" + ("" if groups is None else " by group"),
        evaluation=evaluate(labels, probabilities),
        probabilities=probabilities,
        rows=np.arange(len(labels)),
    )


def time_holdout(
    learner: Any,
    X: pd.DataFrame,
    y: Any,
    *,
    times: Any,
    test_share: float = 0.2,
    cut: Any = None,
) -> Validation:
    """Train on rows before the cut, test on rows from it on.

    The cut is given, or the time that leaves `test_share` of the rows after it.
    """
    labels = np.asarray(y, dtype=int)
    when = pd.Series(pd.to_datetime(times)).reset_index(drop=True)
    if cut is None:
        order = np.argsort(when.to_numpy(), kind="stable")
        cut = when.iloc[order[min(len(order) - 1, int(len(order) * (1 - test_share)))]]
    train = np.flatnonzero((when < cut).to_numpy())
    test = np.flatnonzero((when >= cut).to_numpy())
    check_target(labels[train], minimum_each=1, name="target before the time cut")
    check_target(labels[test], minimum_each=1, name="target after the time cut")
    model = clone(learner).fit(X.iloc[train], labels[train])
    probabilities = model.predict_proba(X.iloc[test])[:, 1]
    return Validation(
        scheme=f"time holdout: trained before {cut}, tested from it",
        evaluation=evaluate(labels[test], probabilities),
        probabilities=probabilities,
        rows=test,
    )
