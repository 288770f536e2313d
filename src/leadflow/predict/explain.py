"""Why a learner scored a lead as it did: per-feature contributions to its raw score (log-odds).

Logistic regression: coefficient times the transformed value, summed per original column.
LightGBM: its own SHAP values (`pred_contrib`). In both, base plus the contributions equals
the uncalibrated model's raw score for that row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from leadflow.errors import InvalidInputError
from leadflow.predict.learners import CalibratedLearner


@dataclass(frozen=True)
class Contributions:
    """Per-row, per-feature contributions to the raw score, and each row's base value."""

    features: tuple[str, ...]
    values: np.ndarray
    base: np.ndarray

    def raw_scores(self) -> np.ndarray:
        """Base plus every contribution: the model's log-odds before calibration."""
        return self.base + self.values.sum(axis=1)


@dataclass(frozen=True)
class Factor:
    """One feature's push on one lead's score, with the lead's value of it."""

    feature: str
    value: Any
    contribution: float


def _original_feature(name: str, numeric: set[str], categorical: list[str]) -> str:
    if name in numeric:
        return name
    if name.startswith("missingindicator_") and name[len("missingindicator_") :] in numeric:
        return name[len("missingindicator_") :]
    owners = [c for c in categorical if name.startswith(f"{c}=")]
    if not owners:
        raise InvalidInputError(f"cannot tell which column the encoded feature {name!r} is")
    return max(owners, key=len)


def _columns(pipeline: Pipeline) -> tuple[list[str], list[str]]:
    prepare = pipeline.named_steps["prepare"]
    named = {label: list(cols) for label, _, cols in prepare.transformers_ if label != "remainder"}
    return named.get("numeric", []), named.get("categorical", [])


def _group(
    values: np.ndarray, names: list[str], owners: list[str], features: list[str]
) -> np.ndarray:
    index = {feature: i for i, feature in enumerate(features)}
    grouping = np.zeros((len(names), len(features)))
    for row, owner in enumerate(owners):
        grouping[row, index[owner]] = 1.0
    return values @ grouping


def contributions(learner: CalibratedLearner | Pipeline, X: pd.DataFrame) -> Contributions:
    """Contributions of every original column for every row of X."""
    pipeline = learner.fitted_pipeline_ if isinstance(learner, CalibratedLearner) else learner
    numeric, categorical = _columns(pipeline)
    features = [*numeric, *categorical]
    prepare, model = pipeline.named_steps["prepare"], pipeline.named_steps["model"]
    matrix = prepare.transform(X)
    if isinstance(model, LGBMClassifier):
        shap = np.asarray(model.booster_.predict(np.asarray(matrix, float), pred_contrib=True))
        names = list(prepare.get_feature_names_out())
        values = _group(shap[:, :-1], names, names, features)
        return Contributions(tuple(features), values, shap[:, -1])
    if isinstance(model, LogisticRegression):
        names = [str(n) for n in prepare.get_feature_names_out()]
        scaled = (
            matrix.multiply(model.coef_[0]).toarray()
            if sparse.issparse(matrix)
            else (np.asarray(matrix, float) * model.coef_[0])
        )
        owners = [_original_feature(n, set(numeric), categorical) for n in names]
        values = _group(scaled, names, owners, features)
        return Contributions(tuple(features), values, np.full(len(X), model.intercept_[0]))
    raise InvalidInputError(f"cannot explain a {type(model).__name__}")


def top_factors(
    explained: Contributions, X: pd.DataFrame, row: int, *, count: int = 3
) -> tuple[tuple[Factor, ...], tuple[Factor, ...]]:
    """The strongest positive and strongest negative factors of one row, largest first."""
    values = explained.values[row]
    order = np.argsort(-values, kind="stable")

    def factor(i: int) -> Factor:
        feature = explained.features[i]
        value = X.iloc[row][feature]
        if pd.isna(value):
            value = None
        elif isinstance(value, np.generic):
            value = value.item()
        return Factor(feature, value, float(values[i]))

    positive = tuple(factor(i) for i in order if values[i] > 0)[:count]
    negative = tuple(factor(i) for i in order[::-1] if values[i] < 0)[:count]
    return positive, negative
