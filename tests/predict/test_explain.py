"""Explanations add up to the model's own raw score and name the original columns."""

import numpy as np
import pytest

from leadflow.predict.explain import contributions, top_factors
from leadflow.predict.learners import make_learner

NUMERIC = ["visits", "noise"]
CATEGORICAL = ["role"]


@pytest.fixture(scope="module")
def fitted(leads):
    frame, y = leads
    return {
        name: make_learner(name, numeric=NUMERIC, categorical=CATEGORICAL).fit(frame, y)
        for name in ("logistic", "lightgbm")
    }


def test_logistic_contributions_sum_to_the_decision_function(leads, fitted) -> None:
    frame, _ = leads
    explained = contributions(fitted["logistic"], frame)
    assert explained.features == ("visits", "noise", "role")
    raw = fitted["logistic"].fitted_pipeline_.decision_function(frame)
    assert np.allclose(explained.raw_scores(), raw)


def test_lightgbm_contributions_sum_to_its_raw_score(leads, fitted) -> None:
    frame, _ = leads
    explained = contributions(fitted["lightgbm"], frame)
    raw = fitted["lightgbm"].fitted_pipeline_.predict_proba(frame, raw_score=True)
    assert np.allclose(explained.raw_scores(), raw)


@pytest.mark.parametrize("name", ["logistic", "lightgbm"])
def test_the_true_drivers_push_the_way_the_truth_does(leads, fitted, name) -> None:
    frame, _ = leads
    explained = contributions(fitted[name], frame)
    role = explained.values[:, explained.features.index("role")]
    assert role[(frame["role"] == "vp").to_numpy()].mean() > 0
    assert role[(frame["role"] == "student").to_numpy()].mean() < 0
    noise = np.abs(explained.values[:, explained.features.index("noise")]).mean()
    visits = np.abs(explained.values[:, explained.features.index("visits")]).mean()
    assert visits > noise


def test_top_factors_are_signed_ordered_and_carry_the_leads_value(leads, fitted) -> None:
    frame, _ = leads
    explained = contributions(fitted["logistic"], frame)
    student = int(np.flatnonzero((frame["role"] == "student").to_numpy())[0])
    positive, negative = top_factors(explained, frame, student, count=2)
    assert all(f.contribution > 0 for f in positive)
    assert all(f.contribution < 0 for f in negative)
    assert [f.contribution for f in negative] == sorted(f.contribution for f in negative)
    role = next(f for f in positive + negative if f.feature == "role")
    assert role.value == "student" and role.contribution < 0
    blank = int(np.flatnonzero(frame["role"].isna().to_numpy())[0])
    factors = top_factors(explained, frame, blank, count=3)
    assert any(f.value is None for f in factors[0] + factors[1] if f.feature == "role")
