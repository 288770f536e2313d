"""The two learners (explainable logistic regression, accurate LightGBM), each calibrated.

Every learner is a scikit-learn estimator: a preprocessing and model `Pipeline` wrapped in
`CalibratedLearner`, so cross-validation, cloning and joblib files work unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from sklearn.utils.validation import check_is_fitted

from leadflow.errors import InvalidInputError

LearnerName = Literal["logistic", "lightgbm"]
LEARNERS: tuple[LearnerName, ...] = ("logistic", "lightgbm")
DEFAULT_LEARNER: LearnerName = "lightgbm"

# Isotonic regression is a step function with one step per distinct score level: it needs
# many examples of the rarer class to be smoother than Platt's two-parameter sigmoid
# (scikit-learn's user guide warns it overfits below about a thousand samples).
ISOTONIC_MIN_MINORITY = 1000
MISSING = "(missing)"


def _one_hot_name(feature: str, category: object) -> str:
    """Name one-hot columns `feature=category` so explanations map back to the feature."""
    return f"{feature}={category}"


class CategoryCodes(BaseEstimator, TransformerMixin):
    """Integer codes of categorical columns as a pandas frame LightGBM reads natively."""

    def fit(self, X: Any, y: Any = None) -> CategoryCodes:
        self.encoder_ = OrdinalEncoder(
            handle_unknown="use_encoded_value",
            unknown_value=np.nan,
            encoded_missing_value=np.nan,
        ).fit(X)
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "encoder_")
        return np.asarray(self.encoder_.transform(X), dtype=float)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray(self.encoder_.feature_names_in_, dtype=object)


def _logistic(numeric: Sequence[str], categorical: Sequence[str], random_state: int) -> Pipeline:
    numbers = Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", add_indicator=True)),
            ("scale", StandardScaler()),
        ]
    )
    categories = Pipeline(
        [
            ("impute", SimpleImputer(strategy="constant", fill_value=MISSING)),
            (
                "one_hot",
                OneHotEncoder(
                    handle_unknown="infrequent_if_exist",
                    min_frequency=5,
                    feature_name_combiner=_one_hot_name,
                ),
            ),
        ]
    )
    prepare = ColumnTransformer(
        [("numeric", numbers, list(numeric)), ("categorical", categories, list(categorical))],
        verbose_feature_names_out=False,
    )
    model = LogisticRegression(C=0.5, max_iter=2000, random_state=random_state)
    return Pipeline([("prepare", prepare), ("model", model)])


def _lightgbm(numeric: Sequence[str], categorical: Sequence[str], random_state: int) -> Pipeline:
    prepare = ColumnTransformer(
        [
            ("numeric", "passthrough", list(numeric)),
            ("categorical", CategoryCodes(), list(categorical)),
        ],
        verbose_feature_names_out=False,
    )
    # Defaults chosen for small, noisy CRM tables: a slower learning rate with more, smaller
    # trees and a floor on leaf size beats LightGBM's own defaults out of the box.
    model = LGBMClassifier(
        n_estimators=300,
        learning_rate=0.04,
        num_leaves=15,
        min_child_samples=40,
        subsample=0.8,
        subsample_freq=1,
        colsample_bytree=0.8,
        reg_lambda=1.0,
        cat_feature=list(range(len(numeric), len(numeric) + len(categorical))),
        cat_smooth=20,
        n_jobs=2,
        random_state=random_state,
        verbose=-1,
    )
    return Pipeline([("prepare", prepare), ("model", model)])


class CalibratedLearner(ClassifierMixin, BaseEstimator):
    """A pipeline whose probabilities are calibrated on held-out folds.

    `method="auto"` picks isotonic when the rarer class has at least
    ISOTONIC_MIN_MINORITY rows and Platt scaling (sigmoid) below that. One model is fitted
    on all rows and the calibrator on its out-of-fold scores (`ensemble=False`), so the
    explained model is the one that predicts.
    """

    def __init__(self, pipeline: Pipeline, method: str = "auto", cv: int = 3) -> None:
        self.pipeline = pipeline
        self.method = method
        self.cv = cv

    def fit(self, X: pd.DataFrame, y: Any) -> CalibratedLearner:
        labels = np.asarray(y)
        self.classes_ = np.unique(labels)
        minority = int(np.bincount(np.searchsorted(self.classes_, labels)).min())
        self.method_ = self.method
        if self.method == "auto":
            self.method_ = "isotonic" if minority >= ISOTONIC_MIN_MINORITY else "sigmoid"
        self.calibrated_ = CalibratedClassifierCV(
            clone(self.pipeline), method=self.method_, cv=self.cv, ensemble=False
        ).fit(X, labels)
        return self

    @property
    def fitted_pipeline_(self) -> Pipeline:
        """The pipeline fitted on every row, whose raw scores the calibrator maps."""
        check_is_fitted(self, "calibrated_")
        return self.calibrated_.calibrated_classifiers_[0].estimator

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "calibrated_")
        return self.calibrated_.predict_proba(X)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def make_learner(
    name: str,
    *,
    numeric: Sequence[str],
    categorical: Sequence[str],
    random_state: int = 0,
    calibration: str = "auto",
) -> CalibratedLearner:
    """A calibrated, unfitted learner for these columns: `logistic` or `lightgbm`."""
    builders = {"logistic": _logistic, "lightgbm": _lightgbm}
    if name not in builders:
        raise InvalidInputError(f"learner {name!r}: use one of {', '.join(LEARNERS)}")
    if calibration not in ("auto", "isotonic", "sigmoid"):
        raise InvalidInputError(f"calibration {calibration!r}: use auto, isotonic or sigmoid")
    pipeline = builders[name](numeric, categorical, random_state)
    return CalibratedLearner(pipeline, method=calibration)
