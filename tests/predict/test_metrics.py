"""Metrics behave as defined, and validation never tests on the rows it trained on."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadflow.predict.dataset import TrainingDataError
from leadflow.predict.learners import make_learner
from leadflow.predict.metrics import cross_validate, evaluate, time_holdout

NUMERIC = ["visits", "noise"]
CATEGORICAL = ["role"]


def test_a_perfectly_calibrated_probability_has_a_small_ece() -> None:
    rng = np.random.default_rng(0)
    p = rng.random(50_000)
    y = (rng.random(50_000) < p).astype(int)
    assert evaluate(y, p).ece < 0.01
    assert evaluate(y, p**3).ece > 0.15


def test_the_calibration_table_covers_every_row_and_matches_the_ece() -> None:
    rng = np.random.default_rng(1)
    p = rng.beta(1, 4, 5000)
    y = (rng.random(5000) < p).astype(int)
    result = evaluate(y, p)
    assert sum(b.count for b in result.calibration) == 5000
    assert all(b.low <= b.predicted <= b.high for b in result.calibration)
    weighted = sum(b.count * abs(b.predicted - b.observed) for b in result.calibration) / 5000
    assert result.ece == pytest.approx(weighted)


def test_a_perfect_ranking_puts_every_positive_in_the_top_decile_when_they_fit() -> None:
    y = np.array([1] * 50 + [0] * 950)
    p = np.linspace(1, 0, 1000)
    result = evaluate(y, p)
    assert result.roc_auc == 1.0
    assert result.top_decile_share == 1.0
    assert result.top_decile_lift == pytest.approx((50 / 100) / (50 / 1000))
    assert (result.n, result.positives) == (1000, 50)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.floats(0, 1)), min_size=20, max_size=200))
def test_a_random_score_never_makes_the_top_decile_hold_more_than_every_positive(rows) -> None:
    y = np.array([int(label) for label, _ in rows])
    if y.min() == y.max():
        return
    p = np.array([prob for _, prob in rows])
    result = evaluate(y, p)
    assert 0 <= result.top_decile_share <= 1
    assert 0 <= result.ece <= 1
    assert result.top_decile_lift <= len(y) / y.sum() + 1e-9


def test_cross_validation_predicts_every_row_out_of_fold(leads) -> None:
    frame, y = leads
    learner = make_learner("logistic", numeric=NUMERIC, categorical=CATEGORICAL)
    validation = cross_validate(learner, frame, y, folds=4)
    assert validation.probabilities.shape == (len(frame),)
    assert validation.evaluation.n == len(frame)
    assert 0.7 < validation.evaluation.roc_auc < 0.95
    grouped = cross_validate(learner, frame, y, folds=4, groups=np.arange(len(frame)) // 5)
    assert grouped.scheme.endswith("by group")


def test_the_time_holdout_tests_only_on_the_latest_rows(leads) -> None:
    frame, y = leads
    times = pd.date_range("2026-01-01", periods=len(frame), freq="h")
    learner = make_learner("logistic", numeric=NUMERIC, categorical=CATEGORICAL)
    validation = time_holdout(learner, frame, y, times=times, test_share=0.25)
    assert validation.rows.min() == len(frame) * 3 // 4
    assert validation.evaluation.n == len(frame) // 4
    cut = time_holdout(learner, frame, y, times=times, cut=times[1000])
    assert list(cut.rows) == list(range(1000, len(frame)))


def test_a_time_cut_leaving_one_side_with_one_class_is_refused(leads) -> None:
    frame, y = leads
    ordered = np.sort(y)
    times = pd.date_range("2026-01-01", periods=len(frame), freq="h")
    learner = make_learner("logistic", numeric=NUMERIC, categorical=CATEGORICAL)
    with pytest.raises(TrainingDataError, match="after the time cut has one class"):
        time_holdout(learner, frame, ordered, times=times, cut=times[-5])
