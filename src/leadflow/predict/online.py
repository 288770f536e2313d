"""Point-in-time features in plain Python, for one lead or many at once (real time).

The twin of `predict.features`: the same columns from the same attributes and events, by
the same integer arithmetic, so a lead gets the very same floats either way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import pandas as pd

from leadflow.predict.features import DAY_US, DECAY_UNITS, typed_frame
from leadflow.predict.spec import FeatureSpec
from leadflow.scoring.engagement import to_micros
from leadflow.scoring.events import Event


def lead_features(
    spec: FeatureSpec,
    attributes: Mapping[str, Any],
    events: Iterable[Event],
    *,
    at: datetime,
    created_at: datetime,
) -> list[Any]:
    """One lead's features at `at`, in `spec.columns` order; events after `at` never count."""
    at_us = to_micros(at)
    row: list[Any] = [_text(attributes.get(name)) for name in spec.categorical]
    row += [_number(attributes.get(name)) for name in (*spec.numeric, *spec.boolean)]
    row.append((at_us - to_micros(created_at)) / DAY_US)
    windows = [w * DAY_US for w in spec.windows_days]
    index = {kind: i for i, kind in enumerate(spec.event_types)}
    counts = [[0] * len(windows) for _ in spec.event_types]
    units = [[0] * len(windows) for _ in spec.event_types]
    latest: list[int | None] = [None] * len(spec.event_types)
    last_any: int | None = None
    touches = 0
    seen: set[str] = set()
    for event in events:
        age = at_us - to_micros(event.occurred_at)
        if age < 0 or event.id in seen:
            continue
        seen.add(event.id)
        last_any = age if last_any is None else min(last_any, age)
        if event.properties.get("source") is not None and age <= 90 * DAY_US:
            touches += 1
        i = index.get(event.type)
        if i is None:
            continue
        latest[i] = age if latest[i] is None else min(latest[i], age)  # type: ignore[type-var]
        for j, window in enumerate(windows):
            if age <= window:
                counts[i][j] += 1
            units[i][j] += math.floor(2.0 ** -(age / window) * DECAY_UNITS)
    row.append(math.nan if last_any is None else last_any / DAY_US)
    row.append(float(touches))
    for i in range(len(spec.event_types)):
        row += [float(c) for c in counts[i]]
        row += [u / DECAY_UNITS for u in units[i]]
        row.append(math.nan if latest[i] is None else latest[i] / DAY_US)  # type: ignore[operator]
    return row


def features_frame(
    spec: FeatureSpec,
    leads: Sequence[tuple[int, Mapping[str, Any], Iterable[Event], datetime]],
) -> pd.DataFrame:
    """Many leads' features: (lead id, attributes, events, time) in, one row each out.

    The attributes are `scoring.facts` flat attributes and must hold `created_at`.
    """
    rows = [
        [lead_id, to_micros(at), *lead_features(spec, a, e, at=at, created_at=a["created_at"])]
        for lead_id, a, e, at in leads
    ]
    frame = pd.DataFrame(rows, columns=["lead_id", "at_us", *spec.columns])
    return typed_frame(frame, spec)


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
