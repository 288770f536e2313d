"""The scoring model: fit, engagement and disqualify rules, bands and MQL criteria; versioned."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any

from leadflow.scoring.language import Condition, EventQuery, event_queries, format_duration
from leadflow.scoring.language import to_text as condition_text
from leadflow.scoring.plan import ModelPlan

FIT_LABELS = ("A", "B", "C", "D")
ENGAGEMENT_LABELS = ("1", "2", "3", "4")


@dataclass(frozen=True)
class FitRule:
    """`points` when `when` holds on the lead's current attributes; points may be negative."""

    name: str
    when: Condition
    points: float
    description: str | None = None


@dataclass(frozen=True)
class EngagementRule:
    """`points` for every event of type `event` whose properties satisfy `where`.

    Each event's points halve every `half_life` (none: no decay); the rule's total is clamped
    to [-cap, cap] (none: no clamp).
    """

    name: str
    event: str
    points: float
    where: Condition | None = None
    half_life: timedelta | None = None
    cap: float | None = None
    description: str | None = None


@dataclass(frozen=True)
class DisqualifyRule:
    """A lead for whom `when` holds is junk; the rule's name is the reason."""

    name: str
    when: Condition
    description: str | None = None


@dataclass(frozen=True)
class Bands:
    """Thresholds, best band first: a score at or above thresholds[i] is in labels[i]."""

    labels: tuple[str, ...]
    thresholds: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.labels) != len(self.thresholds) + 1:
            raise ValueError("bands need exactly one label more than thresholds")
        if any(a <= b for a, b in zip(self.thresholds, self.thresholds[1:], strict=False)):
            raise ValueError("band thresholds must decrease strictly, best band first")

    def band(self, score: float) -> str:
        """The label of the band `score` falls in."""
        passed = (
            label for label, t in zip(self.labels, self.thresholds, strict=False) if score >= t
        )
        return next(passed, self.labels[-1])


@dataclass(frozen=True)
class ScoringModel:
    """One version of the written definition of a qualified lead."""

    name: str
    version: str
    fit_rules: tuple[FitRule, ...]
    engagement_rules: tuple[EngagementRule, ...]
    disqualify_rules: tuple[DisqualifyRule, ...]
    fit_bands: Bands
    engagement_bands: Bands
    mql_criteria: Condition
    description: str | None = None
    # Derived: the events disqualify rules and criteria ask about, and the content's digest.
    event_queries: tuple[EventQuery, ...] = field(init=False, repr=False, compare=False)
    checksum: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        conditions = [rule.when for rule in self.disqualify_rules] + [self.mql_criteria]
        queries = (query for condition in conditions for query in event_queries(condition))
        object.__setattr__(self, "event_queries", tuple(dict.fromkeys(queries)))
        object.__setattr__(self, "checksum", model_checksum(self))

    @cached_property
    def plan(self) -> ModelPlan:
        """This model's conditions compiled for Python, made once, on first use."""
        return ModelPlan.of(self)


def model_checksum(model: ScoringModel) -> str:
    """SHA-256 of what decides scores (plus name and version), not comments or descriptions."""
    content = json.dumps(_content(model), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(content.encode()).hexdigest()


def _content(model: ScoringModel) -> dict[str, Any]:
    def duration(value: timedelta | None) -> str | None:
        return None if value is None else format_duration(value)

    def cap(value: float | None) -> float | None:
        return None if value is None else float(value)

    def text(condition: Condition | None) -> str | None:
        return None if condition is None else condition_text(condition)

    return {
        "name": model.name,
        "version": model.version,
        "fit_rules": [[r.name, text(r.when), float(r.points)] for r in model.fit_rules],
        "engagement_rules": [
            [r.name, r.event, text(r.where), float(r.points), duration(r.half_life), cap(r.cap)]
            for r in model.engagement_rules
        ],
        "disqualify_rules": [[r.name, text(r.when)] for r in model.disqualify_rules],
        "fit_bands": [list(model.fit_bands.labels), [float(t) for t in model.fit_bands.thresholds]],
        "engagement_bands": [
            list(model.engagement_bands.labels),
            [float(t) for t in model.engagement_bands.thresholds],
        ],
        "mql_criteria": text(model.mql_criteria),
    }
