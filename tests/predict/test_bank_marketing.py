"""Real data: the UCI bank-marketing campaign export (41,188 calls, 11.3 % subscribed).

The file lives beside the checkout in ../shared/data/bank-marketing (a worktree one level
deeper looks in ../../shared; LEADFLOW_BANK_MARKETING_CSV overrides both); missing is a skip
locally and a failure under CI.
"""

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from tests.conftest import require
from threadpoolctl import threadpool_limits

from leadflow.predict.leaks import column_signals, find_leaks
from leadflow.predict.learners import DEFAULT_LEARNER, make_learner
from leadflow.predict.metrics import cross_validate
from leadflow.predict.tabular import read_export, type_columns

REPOSITORY = Path(__file__).resolve().parents[2]
RELATIVE = Path("shared/data/bank-marketing/bank-additional-full.csv")


def _bank_file() -> Path:
    if "LEADFLOW_BANK_MARKETING_CSV" in os.environ:
        return Path(os.environ["LEADFLOW_BANK_MARKETING_CSV"])
    near = REPOSITORY.parent / RELATIVE
    return near if near.is_file() else REPOSITORY.parent.parent / RELATIVE


@pytest.fixture(scope="module")
def bank() -> tuple[pd.DataFrame, np.ndarray, list[str], list[str]]:
    path = _bank_file()
    if not path.is_file():
        require(f"bank-marketing data not found at {path}")
    text, delimiter = read_export(path)
    table = type_columns(text, delimiter=delimiter)
    y = table.frame["y"].to_numpy().astype(int)
    numeric = [c for c in table.numeric if c != "y"]
    return table.frame.drop(columns=["y"]), y, numeric, list(table.categorical)


def test_the_export_is_typed_and_read_whole(bank) -> None:
    frame, y, numeric, categorical = bank
    assert (len(frame), int(y.sum())) == (41188, 4640)
    assert {"age", "duration", "euribor3m"} <= set(numeric)
    assert {"job", "month", "poutcome"} <= set(categorical)


def test_the_leak_detector_names_duration_and_only_it(bank) -> None:
    frame, y, numeric, categorical = bank
    signals = column_signals(frame, y, numeric=numeric, categorical=categorical)
    assert [leak.column for leak in find_leaks(signals)] == ["duration"]


def test_without_duration_the_default_learner_beats_untuned_gradient_boosting(bank) -> None:
    frame, y, numeric, categorical = bank
    honest = frame.drop(columns=["duration"])
    numeric = [c for c in numeric if c != "duration"]
    learner = make_learner(DEFAULT_LEARNER, numeric=numeric, categorical=categorical)
    ours = cross_validate(learner, honest, y, folds=5, random_state=0).evaluation
    assert ours.roc_auc >= 0.79
    assert ours.ece < 0.02
    baseline_input = honest.astype({c: "category" for c in categorical})
    splitter = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)  # the same folds
    with threadpool_limits(1):
        baseline = cross_val_predict(
            HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=0),
            baseline_input,
            y,
            cv=splitter,
            method="predict_proba",
        )[:, 1]
    assert ours.roc_auc >= roc_auc_score(y, baseline)
