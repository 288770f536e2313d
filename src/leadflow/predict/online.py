"""Point-in-time features in plain Python, for one lead or many at once (real time).

The twin of `predict.features`: the same columns from the same attributes and events, by
the same integer arithmetic, so a lead gets the very same floats either way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from leadflow.predict.features import DAY_US, DECAY_UNITS
from leadflow.predict.spec import FeatureSpec
from leadflow.scoring.engagement import to_micros
from leadflow.scoring.events import Event

_TOUCH_WINDOW = 90 * DAY_US


def lead_features(
    spec: FeatureSpec,
    attributes: Mapping[str, Any],
    events: Iterable[Event],
    *,
    at: datetime,
    created_at: datetime,
) -> list[Any]:
    """One lead's features at `at`, in `spec.columns` order; events after `at` never count."""
    texts, numbers = _split_features(spec, attributes, events, at=at, created_at=created_at)
    return [*texts, *numbers]


def _split_features(
    spec: FeatureSpec,
    attributes: Mapping[str, Any],
    events: Iterable[Event],
    *,
    at: datetime,
    created_at: datetime,
) -> tuple[list[str | None], list[float]]:
    """The categorical features, then every other one (as floats), of one lead at `at`."""
    at_us = to_micros(at)
    texts = [_text(attributes.get(name)) for name in spec.categorical]
    numbers = [_number(attributes.get(name)) for name in (*spec.numeric, *spec.boolean)]
    numbers.append((at_us - to_micros(created_at)) / DAY_US)
    windows, index = _layout(spec)
    kinds = len(spec.event_types)
    counts = [[0] * len(windows) for _ in range(kinds)]
    units = [[0] * len(windows) for _ in range(kinds)]
    latest: list[int | None] = [None] * kinds
    last_any: int | None = None
    touches = 0
    seen: set[str] = set()
    for event in events:
        age = at_us - to_micros(event.occurred_at)
        if age < 0 or event.id in seen:
            continue
        seen.add(event.id)
        last_any = age if last_any is None or age < last_any else last_any
        if age <= _TOUCH_WINDOW and event.properties.get("source") is not None:
            touches += 1
        i = index.get(event.type)
        if i is None:
            continue
        before = latest[i]
        latest[i] = age if before is None or age < before else before
        count, unit = counts[i], units[i]
        for j, window in enumerate(windows):
            if age <= window:
                count[j] += 1
            unit[j] += math.floor(2.0 ** -(age / window) * DECAY_UNITS)
    numbers.append(math.nan if last_any is None else last_any / DAY_US)
    numbers.append(float(touches))
    for i in range(kinds):
        numbers += [float(c) for c in counts[i]]
        numbers += [u / DECAY_UNITS for u in units[i]]
        seen_last = latest[i]
        numbers.append(math.nan if seen_last is None else seen_last / DAY_US)
    return texts, numbers


@cache
def _layout(spec: FeatureSpec) -> tuple[list[int], dict[str, int]]:
    """Each window in microseconds, and each event type's position."""
    return [w * DAY_US for w in spec.windows_days], {k: i for i, k in enumerate(spec.event_types)}


def features_frame(
    spec: FeatureSpec,
    leads: Sequence[tuple[int, Mapping[str, Any], Iterable[Event], datetime]],
) -> pd.DataFrame:
    """Many leads' features: (lead id, attributes, events, time) in, one row each out,
    typed as `predict.features.typed_frame` types them.

    The attributes are `scoring.facts` flat attributes and must hold `created_at`.
    """
    texts, numbers = [], []
    for _, attributes, events, at in leads:
        text, number = _split_features(
            spec, attributes, events, at=at, created_at=attributes["created_at"]
        )
        texts.append(text)
        numbers.append(number)
    columns: dict[str, Any] = {
        "lead_id": np.array([lead[0] for lead in leads], dtype="int64"),
        "at_us": np.array([to_micros(lead[3]) for lead in leads], dtype="int64"),
    }
    for j, name in enumerate(spec.categorical):
        columns[name] = pd.Series([row[j] for row in texts], dtype=object)
    names = spec.columns[len(spec.categorical) :]
    block = np.array(numbers, dtype="float64").reshape(len(leads), len(names))
    for j, name in enumerate(names):
        columns[name] = block[:, j]
    return pd.DataFrame(columns)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number(value: Any) -> float:
    if value is None or isinstance(value, str):
        return math.nan
    return float(value)
