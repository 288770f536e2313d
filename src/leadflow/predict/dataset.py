"""Checks a training table must pass before anything is learned from it."""

from __future__ import annotations

from typing import Any

import numpy as np

from leadflow.errors import InvalidInputError

MIN_POSITIVES = 100
MIN_NEGATIVES = 100


class TrainingDataError(InvalidInputError):
    """The rows given cannot train or evaluate a model; the message says why."""


def check_target(
    y: Any,
    *,
    name: str = "target",
    min_positives: int | None = None,
    min_negatives: int | None = None,
    minimum_each: int | None = None,
) -> tuple[int, int]:
    """Count positives and negatives of a 0/1 target, refusing one class or too few of either."""
    labels = np.asarray(y, dtype=float)
    blanks = int(np.isnan(labels).sum())
    if blanks:
        raise TrainingDataError(f"{name}: {blanks} rows have no value")
    positives = int((labels == 1).sum())
    negatives = int((labels == 0).sum())
    if positives + negatives != labels.size:
        raise TrainingDataError(f"{name}: values must be 0 or 1")
    if positives == 0 or negatives == 0:
        only = "positive" if negatives == 0 else "negative"
        raise TrainingDataError(
            f"{name} has one class: all {labels.size} rows are {only}; "
            "a model needs both outcomes to learn from"
        )
    need_pos = minimum_each if min_positives is None else min_positives
    need_neg = minimum_each if min_negatives is None else min_negatives
    if need_pos is not None and positives < need_pos:
        raise TrainingDataError(
            f"{name}: found {positives} positives, at least {need_pos} are needed"
        )
    if need_neg is not None and negatives < need_neg:
        raise TrainingDataError(
            f"{name}: found {negatives} negatives, at least {need_neg} are needed"
        )
    return positives, negatives


def check_training_set(
    frame: Any,
    y: Any,
    *,
    target: str,
    min_positives: int = MIN_POSITIVES,
    min_negatives: int = MIN_NEGATIVES,
) -> tuple[int, int]:
    """Refuse a table without feature columns or with too few of either outcome."""
    if len(frame.columns) == 0:
        raise TrainingDataError(f"no feature columns left besides the target {target!r}")
    return check_target(
        y, name=f"target {target!r}", min_positives=min_positives, min_negatives=min_negatives
    )
