"""A scoring model ready to run in Python: each condition compiled once, rules indexed by event.

Real time scores one lead many times a second; compiling the conditions once per model and
finding an event's rules by its type keeps each update to a few function calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from leadflow.scoring.language import Condition
from leadflow.scoring.language.evaluator import Predicate, compile_predicate, no_events

if TYPE_CHECKING:
    from leadflow.scoring.model import ScoringModel

# The engagement rules (or event queries) of one event type: (position in the model, the
# compiled `where`, or None when there is none).
Matchers = tuple[tuple[int, Predicate | None], ...]


@dataclass(frozen=True)
class ModelPlan:
    """A model's conditions as Python predicates, and its rules and queries by event type."""

    fit: tuple[tuple[str, float, Predicate], ...]
    disqualify: tuple[tuple[str, Predicate], ...]
    mql: Predicate
    rules_by_event: Mapping[str, Matchers]
    queries_by_event: Mapping[str, Matchers]

    @classmethod
    def of(cls, model: ScoringModel) -> ModelPlan:
        """Compile every condition of `model`."""
        rules = [(r.event, r.where) for r in model.engagement_rules]
        queries = [(q.event_type, q.where) for q in model.event_queries]
        return cls(
            # A rule worth no points never shows in a score, whether it holds or not.
            fit=tuple(
                (rule.name, rule.points, compile_predicate(rule.when))
                for rule in model.fit_rules
                if rule.points != 0
            ),
            disqualify=tuple(
                (rule.name, compile_predicate(rule.when)) for rule in model.disqualify_rules
            ),
            mql=compile_predicate(model.mql_criteria),
            rules_by_event=_by_event(rules),
            queries_by_event=_by_event(queries),
        )


def matching(matchers: Matchers, properties: Mapping[str, Any]) -> list[int]:
    """The positions of the rules (or queries) whose `where` holds on an event's properties."""
    return [
        index for index, where in matchers if where is None or where(properties, no_events) is True
    ]


def _by_event(conditions: list[tuple[str, Condition | None]]) -> Mapping[str, Matchers]:
    found: dict[str, list[tuple[int, Predicate | None]]] = {}
    for index, (event, where) in enumerate(conditions):
        compiled = None if where is None else compile_predicate(where)
        found.setdefault(event, []).append((index, compiled))
    return MappingProxyType({event: tuple(matchers) for event, matchers in found.items()})
