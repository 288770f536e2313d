"""Condition evaluation in plain Python for one lead or one event, in three-valued logic.

A comparison with a missing value is unknown (None); `not` unknown is unknown; `and` is false
if any term is false, else unknown if any is; `or` is true if any term is true, else unknown
if any is. This is SQL's logic, so the compiled query gives the same answers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from leadflow.scoring.language import nodes as n

EventCounts = Callable[[n.EventQuery], int]
Truth = bool | None

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@lru_cache(maxsize=65_536)
def fold_case(text: str) -> str:
    """Text with ASCII letters lowered and nothing else changed: the language's case rule."""
    # Cached: the same literals and attribute values are folded again at every evaluation.
    return text.translate(_ASCII_LOWER)


def evaluate(
    condition: n.Condition, values: Mapping[str, Any], event_counts: EventCounts | None = None
) -> Truth:
    """True, False or None (unknown) for `condition` over `values` (absent means missing)."""
    return _Evaluation(values, event_counts).truth(condition)


def holds(
    condition: n.Condition, values: Mapping[str, Any], event_counts: EventCounts | None = None
) -> bool:
    """Whether `condition` is true over `values`; unknown counts as false."""
    return evaluate(condition, values, event_counts) is True


def _no_events(query: n.EventQuery) -> int:
    raise ValueError(f"no event counts given, but the condition asks about {query.event_type!r}")


def _fold(value: Any) -> Any:
    return fold_case(value) if isinstance(value, str) else value


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "=":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    return bool(left >= right)


class _Evaluation:
    def __init__(self, values: Mapping[str, Any], event_counts: EventCounts | None) -> None:
        self.values = values
        self.event_counts = event_counts or _no_events

    def value(self, node: n.Node) -> Any:
        match node:
            case n.Literal(value=value):
                return value
            case n.Name(name=name):
                value = self.values.get(name)
                # NaN is no value at all; SQL engines store it as NULL or refuse it.
                return None if isinstance(value, float) and math.isnan(value) else value
            case n.Count(query=query):
                return self.event_counts(query)
        raise TypeError(f"not an operand: {node!r}")

    def combine(self, terms: tuple[n.Condition, ...], decisive: bool) -> Truth:
        # `and` stops at the first false term, `or` at the first true one.
        unknown = False
        for term in terms:
            result = self.truth(term)
            if result is decisive:
                return decisive
            unknown = unknown or result is None
        return None if unknown else not decisive

    def truth(self, node: n.Condition) -> Truth:
        match node:
            case n.And(terms=terms):
                return self.combine(terms, decisive=False)
            case n.Or(terms=terms):
                return self.combine(terms, decisive=True)
            case n.Not(term=term):
                result = self.truth(term)
                return None if result is None else not result
            case n.Did(query=query):
                return self.event_counts(query) > 0
            case n.Compare(op=op, left=left, right=right):
                a, b = self.value(left), self.value(right)
                return None if a is None or b is None else _compare(op, _fold(a), _fold(b))
            case n.InList(operand=operand, items=items, negated=negated):
                value = self.value(operand)
                if value is None:
                    return None
                found = any(_fold(value) == _fold(item.value) for item in items)
                return found != negated
            case n.TextMatch(op=op, operand=operand, pattern=pattern):
                text, part = self.value(operand), self.value(pattern)
                if text is None or part is None:
                    return None
                text, part = fold_case(text), fold_case(part)
                if op == "contains":
                    return part in text
                return text.startswith(part) if op == "startswith" else text.endswith(part)
            case n.IsMissing(operand=operand, negated=negated):
                return (self.value(operand) is None) != negated
            case _:
                value = self.value(node)
                return None if value is None else bool(value)
