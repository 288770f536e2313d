"""The leak detector names a column filled after the outcome, and not an honest strong one."""

import numpy as np
import pandas as pd

from leadflow.predict.leaks import LEAK_AUC_THRESHOLD, column_signals, find_leaks


def _with_planted_leak(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = 4000
    honest = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(honest - 1.5)))).astype(int)
    frame = pd.DataFrame(
        {
            "honest": honest,
            # Call length: long calls happen because the person said yes.
            "call_seconds": rng.exponential(120, n) + y * rng.exponential(400, n),
            "lead_id": [f"L{i:05d}" for i in range(n)],
            "deal_stage": np.where(
                y == 1, "closed", rng.choice(["open", "closed"], n, p=[0.9, 0.1])
            ),
            "country": rng.choice(["pt", "es", None], n).astype(object),
        }
    )
    return frame, y


def test_a_planted_leak_is_named_and_honest_columns_are_not() -> None:
    frame, y = _with_planted_leak()
    signals = column_signals(
        frame,
        y,
        numeric=["honest", "call_seconds"],
        categorical=["lead_id", "deal_stage", "country"],
    )
    leaks = {signal.column for signal in find_leaks(signals)}
    assert leaks == {"call_seconds", "deal_stage"}
    aucs = {signal.column: signal.auc for signal in signals}
    assert 0.6 < aucs["honest"] < LEAK_AUC_THRESHOLD
    # An identifier memorises rows; out of fold it predicts nothing.
    assert aucs["lead_id"] < 0.6
    assert [s.auc for s in signals] == sorted((s.auc for s in signals), reverse=True)


def test_the_threshold_is_configurable() -> None:
    frame, y = _with_planted_leak(1)
    signals = column_signals(frame, y, numeric=["honest"], categorical=[])
    assert find_leaks(signals) == ()
    assert [s.column for s in find_leaks(signals, threshold=0.6)] == ["honest"]
