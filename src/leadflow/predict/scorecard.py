"""From a trained model to a rule model people can read: a points scorecard.

The learned model's own training rows are rebuilt. Every attribute becomes a few yes/no
conditions (a frequent text value, a true flag, a numeric quartile), every event type its
30-day decayed count, which is exactly what an engagement rule with a 30-day half-life
earns per point. A logistic regression on those columns gives each condition a weight in
log-odds, turned into integer points at 20 points per doubling of the odds (the scorecard
convention). Bands come from the quantiles of the points, so the file validates as is.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from leadflow.predict.spec import FeatureSpec

POINTS_TO_DOUBLE_ODDS = 20
HALF_LIFE_DAYS = 30
TOP_VALUES = 8
MIN_SHARE = 0.02


@dataclass(frozen=True)
class ScorecardRule:
    """One condition of the scorecard, its points, and the evidence behind them."""

    kind: str
    name: str
    condition: str
    points: int
    weight: float
    share: float


@dataclass(frozen=True)
class Scorecard:
    """The rules, the bands their points suggest, and the ranking they keep."""

    rules: tuple[ScorecardRule, ...]
    fit_bands: tuple[int, int, int]
    engagement_bands: tuple[int, int, int]
    scorecard_auc: float
    model_auc: float
    rows: int


def _literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")[:40] or "value"


def _conditions(frame: pd.DataFrame, spec: FeatureSpec) -> dict[str, tuple[str, str, pd.Series]]:
    """Rule name -> (kind, condition text, 0/1 or decay column) for every candidate rule."""
    out: dict[str, tuple[str, str, pd.Series]] = {}
    rows = len(frame)
    for name in spec.categorical:
        counts = frame[name].dropna().astype(str).value_counts()
        for value in counts.index[:TOP_VALUES]:
            if counts[value] >= MIN_SHARE * rows:
                column = (frame[name].astype(object) == value).astype(float)
                out[f"{_slug(name)}_{_slug(value)}"] = (
                    "fit",
                    f"{name} = {_literal(value)}",
                    column,
                )
    for name in spec.boolean:
        out[_slug(name)] = ("fit", name, (frame[name] == 1).astype(float))
    for name in spec.numeric:
        values = frame[name].astype(float)
        if values.isna().all():
            continue
        edges = np.unique(np.nanquantile(values, [0.25, 0.5, 0.75]))
        bounds = [-math.inf, *(float(edge) for edge in edges), math.inf]
        for low, high in pairwise(bounds):
            parts = [f"{name} >= {low:g}"] if low > -math.inf else []
            parts += [f"{name} < {high:g}"] if high < math.inf else []
            if not parts:
                continue
            if low == -math.inf:
                label = f"below_{high:g}"
            elif high == math.inf:
                label = f"from_{low:g}"
            else:
                label = f"{low:g}_to_{high:g}"
            column = ((values >= low) & (values < high)).astype(float)
            out[f"{_slug(name)}_{_slug(label)}"] = ("fit", " and ".join(parts), column)
    for kind in spec.event_types:
        column = frame[f"{kind}_decay_{HALF_LIFE_DAYS}d"].astype(float).fillna(0.0)
        out[_slug(kind)] = ("engagement", kind, column)
    return out


def _bands(points: np.ndarray) -> tuple[int, int, int]:
    """Thresholds for the top 10 %, 25 % and 50 %, strictly decreasing."""
    top, upper, middle = (math.ceil(np.quantile(points, q)) for q in (0.9, 0.75, 0.5))
    middle = max(middle, 1)
    upper = max(upper, middle + 1)
    return max(top, upper + 1), upper, middle


def build_scorecard(
    frame: pd.DataFrame, labels: np.ndarray, spec: FeatureSpec, model_probabilities: np.ndarray
) -> Scorecard:
    """A scorecard fitted on the model's training rows, and the AUC it keeps against it."""
    candidates = _conditions(frame, spec)
    names = list(candidates)
    matrix = np.column_stack([candidates[n][2].to_numpy(float) for n in names])
    regression = LogisticRegression(C=0.5, max_iter=2000).fit(matrix, labels)
    weights = regression.coef_[0]
    points = np.round(weights * POINTS_TO_DOUBLE_ODDS / math.log(2)).astype(int)
    rules = [
        ScorecardRule(
            kind=candidates[name][0],
            name=name,
            condition=candidates[name][1],
            points=int(points[i]),
            weight=float(weights[i]),
            share=float((matrix[:, i] > 0).mean()),
        )
        for i, name in enumerate(names)
        if points[i]
    ]
    is_fit = np.array([candidates[name][0] == "fit" for name in names])
    fit = matrix[:, is_fit] @ points[is_fit]
    engagement = matrix[:, ~is_fit] @ points[~is_fit]
    return Scorecard(
        rules=tuple(sorted(rules, key=lambda r: (r.kind, -abs(r.points)))),
        fit_bands=_bands(fit),
        engagement_bands=_bands(engagement),
        scorecard_auc=float(roc_auc_score(labels, fit + engagement)),
        model_auc=float(roc_auc_score(labels, model_probabilities)),
        rows=len(labels),
    )
