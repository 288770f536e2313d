"""Evaluate a learner on a plain CRM export: type it, check it, look for leaks, measure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from leadflow.errors import InvalidInputError
from leadflow.predict.dataset import (
    MIN_NEGATIVES,
    MIN_POSITIVES,
    TrainingDataError,
    check_training_set,
)
from leadflow.predict.leaks import LEAK_AUC_THRESHOLD, ColumnSignal, column_signals, find_leaks
from leadflow.predict.learners import DEFAULT_LEARNER, make_learner
from leadflow.predict.metrics import Evaluation, cross_validate, time_holdout
from leadflow.predict.tabular import TRUE_WORDS, parse_times, read_export, type_columns

POSITIVE_WORDS = TRUE_WORDS | {"1", "1.0", "won", "converted", "customer", "sql"}


@dataclass(frozen=True)
class ExportEvaluation:
    """What `leadflow model evaluate` found and measured on one export."""

    file: str
    target: str
    positive: str
    learner: str
    rows: int
    rows_without_target: int
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    ignored: dict[str, str]
    signals: tuple[ColumnSignal, ...]
    leaks: tuple[ColumnSignal, ...]
    dropped_leaks: tuple[str, ...]
    cross_validation: Evaluation
    time_holdout: Evaluation | None = None
    time_holdout_scheme: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def _target(values: pd.Series, *, column: str, positive: str | None) -> tuple[np.ndarray, str]:
    """0/1 outcomes from the target column's text, and the value counted as positive."""
    present = values.dropna().astype(str)
    distinct = sorted(set(present))
    if positive is not None:
        if positive not in distinct:
            shown = ", ".join(repr(v) for v in distinct[:10])
            raise InvalidInputError(f"--positive {positive!r} never occurs in {column!r} ({shown})")
        return (present == positive).to_numpy(dtype=int), positive
    if len(distinct) == 1:
        raise TrainingDataError(
            f"target {column!r} has one class: all {len(present)} rows are {distinct[0]!r}; "
            "a model needs both outcomes to learn from"
        )
    guesses = [v for v in distinct if v.lower() in POSITIVE_WORDS]
    if len(distinct) != 2 or len(guesses) != 1:
        shown = ", ".join(repr(v) for v in distinct[:10])
        raise InvalidInputError(
            f"target {column!r} has values {shown}: say which one is the outcome with --positive"
        )
    return (present == guesses[0]).to_numpy(dtype=int), guesses[0]


def _columns(names: Sequence[str], existing: Sequence[str], option: str) -> list[str]:
    missing = [name for name in names if name not in existing]
    if missing:
        raise InvalidInputError(
            f"{option}: no column {', '.join(repr(m) for m in missing)} in the file "
            f"(columns: {', '.join(existing)})"
        )
    return list(names)


def evaluate_export(
    *,
    path: Path,
    target: str,
    positive: str | None = None,
    id_column: str | None = None,
    drop: Sequence[str] = (),
    time_column: str | None = None,
    drop_leaks: bool = False,
    learner: str = DEFAULT_LEARNER,
    leak_threshold: float = LEAK_AUC_THRESHOLD,
    folds: int = 5,
    min_positives: int = MIN_POSITIVES,
    min_negatives: int = MIN_NEGATIVES,
) -> ExportEvaluation:
    """Cross-validate (and time-hold-out) a learner on an export, naming leaking columns."""
    make_learner(learner, numeric=(), categorical=())  # refuse an unknown learner before reading
    text, delimiter = read_export(path)
    columns = list(text.columns)
    _columns([target], columns, "--target")
    set_aside = _columns([*([id_column] if id_column else []), *drop], columns, "--drop/--id")
    if time_column:
        _columns([time_column], columns, "--time-column")
    has_target = text[target].notna().to_numpy()
    text = text.loc[has_target].reset_index(drop=True)
    if text.empty:
        raise InvalidInputError(f"target {target!r} is blank on every row of {path}")
    y, positive_value = _target(text[target], column=target, positive=positive)
    times = parse_times(text[time_column], column=time_column) if time_column else None
    features = text.drop(columns=[target, *set_aside, *([time_column] if time_column else [])])
    typed = type_columns(features, delimiter=delimiter)
    notes = [f"{len(typed.dates)} date columns not used as features: {', '.join(typed.dates)}"]
    frame = typed.frame.drop(columns=list(typed.dates))
    check_training_set(
        frame, y, target=target, min_positives=min_positives, min_negatives=min_negatives
    )
    signals = column_signals(frame, y, numeric=typed.numeric, categorical=typed.categorical)
    leaks = find_leaks(signals, threshold=leak_threshold)
    dropped = tuple(leak.column for leak in leaks) if drop_leaks else ()
    numeric = tuple(c for c in typed.numeric if c not in dropped)
    categorical = tuple(c for c in typed.categorical if c not in dropped)
    frame = frame.drop(columns=list(dropped))
    check_training_set(frame, y, target=target, min_positives=0, min_negatives=0)
    model = make_learner(learner, numeric=numeric, categorical=categorical)
    validation = cross_validate(model, frame, y, folds=folds)
    holdout = time_holdout(model, frame, y, times=times) if times is not None else None
    return ExportEvaluation(
        file=str(path),
        target=target,
        positive=positive_value,
        learner=learner,
        rows=len(frame),
        rows_without_target=int((~has_target).sum()),
        numeric=numeric,
        categorical=categorical,
        ignored=typed.ignored,
        signals=signals,
        leaks=leaks,
        dropped_leaks=dropped,
        cross_validation=validation.evaluation,
        time_holdout=holdout.evaluation if holdout else None,
        time_holdout_scheme=holdout.scheme if holdout else None,
        notes=tuple(notes) if typed.dates else (),
    )
