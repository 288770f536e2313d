"""A lead's score: fit, engagement, grade, disqualification, MQL, and the reasons why."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from leadflow.scoring.engagement import reference_rule_value
from leadflow.scoring.events import Event, count_events, distinct_events, matches_rule
from leadflow.scoring.language.evaluator import EventCounts, no_events
from leadflow.scoring.model import ScoringModel


class Contribution(NamedTuple):
    """Points one rule gives a lead now (an engagement rule's after decay and cap)."""

    rule: str
    points: float


@dataclass(frozen=True)
class LeadScore:
    """Everything the model says about one lead at one time, and which version said it."""

    fit: float
    engagement: float
    grade: str
    fit_band: str
    engagement_band: int
    model_version: str
    disqualified_by: str | None
    is_mql: bool
    explanation: tuple[Contribution, ...]


def score_lead(
    model: ScoringModel,
    attributes: Mapping[str, Any],
    events: Iterable[Event],
    *,
    at: datetime,
) -> LeadScore:
    """The definition: a lead's score at `at` from its attributes and all its events.

    `attributes` is flat: lead fields and custom attributes by name, account fields as
    `account.<name>`. Events after `at` do not count; repeats of an id count once. This
    reads every event; the real-time path (`LeadState`) gives the same numbers in O(1).
    """
    distinct = distinct_events(events)
    engagement = [
        reference_rule_value(
            ((e.occurred_at, rule.points) for e in distinct if matches_rule(rule, e)),
            at=at,
            half_life=rule.half_life,
            cap=rule.cap,
        )
        for rule in model.engagement_rules
    ]
    counts = {query: count_events(distinct, query, at=at) for query in model.event_queries}
    return assemble_score(model, attributes, engagement, counts.__getitem__)


def fit_contributions(model: ScoringModel, attributes: Mapping[str, Any]) -> list[Contribution]:
    """The fit rules that hold on these attributes, with their points."""
    return [
        Contribution(name, points)
        for name, points, when in model.plan.fit
        if when(attributes, no_events) is True
    ]


class FitMemo:
    """The attributes a lead was last scored on and its fit then: attributes change rarely and
    events often, so most scores reuse the fit instead of evaluating every fit rule again.

    Attributes are compared by value with the ones remembered (a shallow copy): pass a new
    mapping, or change a value, and the fit is computed afresh.
    """

    __slots__ = ("_attributes", "_parts")

    def __init__(self) -> None:
        self._attributes: dict[str, Any] | None = None
        self._parts: tuple[Contribution, ...] = ()

    def fit_parts(
        self, model: ScoringModel, attributes: Mapping[str, Any]
    ) -> tuple[Contribution, ...]:
        """`fit_contributions(model, attributes)`, from memory while the attributes are equal."""
        if self._attributes is None or self._attributes != attributes:
            self._parts = tuple(fit_contributions(model, attributes))
            self._attributes = dict(attributes)
        return self._parts


def assemble_score(
    model: ScoringModel,
    attributes: Mapping[str, Any],
    engagement: Sequence[float],
    event_counts: EventCounts,
    fit_parts: Sequence[Contribution] | None = None,
) -> LeadScore:
    """The score from attributes, each engagement rule's capped value and the event counts;
    `fit_parts` saves recomputing fit when the attributes have not changed."""
    if fit_parts is None:
        fit_parts = fit_contributions(model, attributes)
    engagement_parts = [
        Contribution(rule.name, value)
        for rule, value in zip(model.engagement_rules, engagement, strict=True)
        if value != 0
    ]
    fit = math.fsum(part.points for part in fit_parts)
    engagement_total = math.fsum(part.points for part in engagement_parts)
    fit_band = model.fit_bands.band(fit)
    engagement_band = int(model.engagement_bands.band(engagement_total))
    grade = f"{fit_band}{engagement_band}"
    plan = model.plan
    disqualified_by = next(
        (name for name, when in plan.disqualify if when(attributes, event_counts) is True), None
    )
    scores = {
        "fit": fit,
        "engagement": engagement_total,
        "grade": grade,
        "fit_band": fit_band,
        "engagement_band": engagement_band,
    }
    # Disqualify rules come first: junk is never an MQL, whatever the criteria say.
    is_mql = disqualified_by is None and plan.mql({**attributes, **scores}, event_counts) is True
    explanation = sorted([*fit_parts, *engagement_parts], key=lambda p: (-abs(p.points), p.rule))
    return LeadScore(
        fit=fit,
        engagement=engagement_total,
        grade=grade,
        fit_band=fit_band,
        engagement_band=engagement_band,
        model_version=model.version,
        disqualified_by=disqualified_by,
        is_mql=is_mql,
        explanation=tuple(explanation),
    )
