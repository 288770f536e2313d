"""The learners: scikit-learn estimators whose calibrated probabilities are at least as good."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics import brier_score_loss, roc_auc_score

from leadflow.errors import InvalidInputError
from leadflow.predict.learners import LEARNERS, make_learner

NUMERIC = ["visits", "noise"]
CATEGORICAL = ["role"]


@pytest.mark.parametrize("name", LEARNERS)
def test_calibration_keeps_or_improves_brier_on_held_out_leads(name: str, make_leads) -> None:
    train, y_train = make_leads(3000, seed=1)
    test, y_test = make_leads(3000, seed=2)
    learner = make_learner(name, numeric=NUMERIC, categorical=CATEGORICAL).fit(train, y_train)
    calibrated = learner.predict_proba(test)[:, 1]
    raw = learner.pipeline.fit(train, y_train).predict_proba(test)[:, 1]
    assert brier_score_loss(y_test, calibrated) <= brier_score_loss(y_test, raw) + 0.002
    assert roc_auc_score(y_test, calibrated) > 0.7


def test_the_learner_follows_the_estimator_api(leads) -> None:
    frame, y = leads
    learner = make_learner("logistic", numeric=NUMERIC, categorical=CATEGORICAL)
    copy = clone(learner)
    assert not hasattr(copy, "calibrated_")
    with pytest.raises(Exception, match="not fitted"):
        copy.predict_proba(frame)
    fitted = copy.fit(frame, y)
    assert fitted is copy
    probabilities = fitted.predict_proba(frame)
    assert probabilities.shape == (len(frame), 2)
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert set(fitted.predict(frame)) <= {0, 1}


def test_small_samples_get_platt_scaling_and_large_ones_isotonic(leads, make_leads) -> None:
    frame, y = leads
    learner = make_learner("logistic", numeric=NUMERIC, categorical=CATEGORICAL).fit(frame, y)
    assert learner.method_ == "sigmoid"
    big, y_big = make_leads(24000, seed=3)
    assert min(y_big.sum(), len(y_big) - y_big.sum()) >= 5000
    learner = make_learner("logistic", numeric=NUMERIC, categorical=CATEGORICAL).fit(big, y_big)
    assert learner.method_ == "isotonic"


def test_categories_and_blanks_unseen_in_training_still_score(leads) -> None:
    frame, y = leads
    for name in LEARNERS:
        learner = make_learner(name, numeric=NUMERIC, categorical=CATEGORICAL).fit(frame, y)
        odd = frame.head(3).copy()
        odd["role"] = ["astronaut", None, "vp"]
        odd["visits"] = [np.nan, 2.0, 40.0]
        assert np.isfinite(learner.predict_proba(odd)).all()


def test_an_unknown_learner_or_calibration_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="learner 'forest'"):
        make_learner("forest", numeric=["a"], categorical=[])
    with pytest.raises(InvalidInputError, match="calibration 'beta'"):
        make_learner("logistic", numeric=["a"], categorical=[], calibration="beta")
