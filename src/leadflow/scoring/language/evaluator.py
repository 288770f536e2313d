"""Condition evaluation in plain Python for one lead or one event, in three-valued logic.

A comparison with a missing value is unknown (None); `not` unknown is unknown; `and` is false
if any term is false, else unknown if any is; `or` is true if any term is true, else unknown
if any is. This is SQL's logic, so the compiled query gives the same answers.

A condition is compiled once into a tree of closures (`compile_predicate`): evaluating it is
then a few function calls, with literals folded and lists turned into sets ahead of time.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from leadflow.scoring.language import nodes as n

EventCounts = Callable[[n.EventQuery], int]
Truth = bool | None
Values = Mapping[str, Any]
# A compiled condition: its truth over attribute (or property) values and event counts.
Predicate = Callable[[Values, EventCounts], Truth]
_Operand = Callable[[Values, EventCounts], Any]

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
# Values whose set membership is exactly `any(value == item ...)`: hashable, and hashing
# agrees with equality. Anything else (a list from a JSON document...) is compared item by item.
_HASHABLE = frozenset({str, int, float, bool})


@lru_cache(maxsize=65_536)
def fold_case(text: str) -> str:
    """Text with ASCII letters lowered and nothing else changed: the language's case rule."""
    # Cached: the same literals and attribute values are folded again at every evaluation.
    return text.translate(_ASCII_LOWER)


def evaluate(
    condition: n.Condition, values: Values, event_counts: EventCounts | None = None
) -> Truth:
    """True, False or None (unknown) for `condition` over `values` (absent means missing)."""
    return _compiled(condition)(values, event_counts or no_events)


def holds(condition: n.Condition, values: Values, event_counts: EventCounts | None = None) -> bool:
    """Whether `condition` is true over `values`; unknown counts as false."""
    return _compiled(condition)(values, event_counts or no_events) is True


def no_events(query: n.EventQuery) -> int:
    """The event counts of a place that has none: asking is an error."""
    raise ValueError(f"no event counts given, but the condition asks about {query.event_type!r}")


def compile_predicate(condition: n.Condition) -> Predicate:
    """`condition` as a function of (values, event counts) giving True, False or None."""
    match condition:
        case n.And(terms=terms):
            return _all([compile_predicate(term) for term in terms])
        case n.Or(terms=terms):
            return _any([compile_predicate(term) for term in terms])
        case n.Not(term=term):
            return _not(compile_predicate(term))
        case n.Did(query=query):
            return lambda values, counts: counts(query) > 0
        case n.Compare(op=op, left=left, right=right):
            return _compare(_COMPARISONS[op], left, right)
        case n.InList(operand=operand, items=items, negated=negated):
            return _in_list(_operand(operand), tuple(_fold(item.value) for item in items), negated)
        case n.TextMatch(op=op, operand=operand, pattern=pattern):
            return _text_match(op, _operand(operand), pattern)
        case n.IsMissing(operand=operand, negated=negated):
            value = _operand(operand)
            if negated:
                return lambda values, counts: value(values, counts) is not None
            return lambda values, counts: value(values, counts) is None
        case _:
            bare = _operand(condition)

            def truth(values: Values, counts: EventCounts) -> Truth:
                result = bare(values, counts)
                return None if result is None else bool(result)

            return truth


_compiled = lru_cache(maxsize=4_096)(compile_predicate)


def _fold(value: Any) -> Any:
    return fold_case(value) if isinstance(value, str) else value


def _operand(node: n.Node) -> _Operand:
    match node:
        case n.Literal(value=value):
            return lambda values, counts: value
        case n.Name(name=name):

            def read(values: Values, counts: EventCounts) -> Any:
                value = values.get(name)
                # NaN is no value at all; SQL engines store it as NULL or refuse it.
                return None if isinstance(value, float) and value != value else value

            return read
        case n.Count(query=query):
            return lambda values, counts: counts(query)
    raise TypeError(f"not an operand: {node!r}")


def _all(terms: list[Predicate]) -> Predicate:
    def truth(values: Values, counts: EventCounts) -> Truth:
        # Stops at the first false term; unknown only when no term is false.
        unknown = False
        for term in terms:
            result = term(values, counts)
            if result is False:
                return False
            unknown = unknown or result is None
        return None if unknown else True

    return truth


def _any(terms: list[Predicate]) -> Predicate:
    def truth(values: Values, counts: EventCounts) -> Truth:
        # Stops at the first true term; unknown only when no term is true.
        unknown = False
        for term in terms:
            result = term(values, counts)
            if result is True:
                return True
            unknown = unknown or result is None
        return None if unknown else False

    return truth


def _not(term: Predicate) -> Predicate:
    def truth(values: Values, counts: EventCounts) -> Truth:
        result = term(values, counts)
        return None if result is None else not result

    return truth


def _compare(
    compare: Callable[[Any, Any], Any], left_node: n.Node, right_node: n.Node
) -> Predicate:
    left, right = _operand(left_node), _operand(right_node)
    if isinstance(right_node, n.Literal) and right_node.value is not None:
        # `name op literal`, the usual shape: the literal is folded once, here.
        b = _fold(right_node.value)

        def against_literal(values: Values, counts: EventCounts) -> Truth:
            a = left(values, counts)
            if a is None:
                return None
            return bool(compare(fold_case(a) if isinstance(a, str) else a, b))

        return against_literal

    def truth(values: Values, counts: EventCounts) -> Truth:
        a, b = left(values, counts), right(values, counts)
        if a is None or b is None:
            return None
        return bool(compare(_fold(a), _fold(b)))

    return truth


def _in_list(operand: _Operand, items: tuple[Any, ...], negated: bool) -> Predicate:
    exact = all(type(item) in _HASHABLE for item in items)
    members = frozenset(items) if exact else frozenset()

    def truth(values: Values, counts: EventCounts) -> Truth:
        value = operand(values, counts)
        if value is None:
            return None
        if isinstance(value, str):
            value = fold_case(value)
        if exact and type(value) in _HASHABLE:
            return (value in members) != negated
        return any(value == item for item in items) != negated

    return truth


def _text_match(op: str, operand: _Operand, pattern_node: n.Node) -> Predicate:
    match_text: Callable[[str, str], bool] = _TEXT_MATCHES[op]
    pattern = _operand(pattern_node)
    if isinstance(pattern_node, n.Literal) and isinstance(pattern_node.value, str):
        # A literal pattern, the usual shape: folded once, here.
        part = fold_case(pattern_node.value)

        def against_literal(values: Values, counts: EventCounts) -> Truth:
            text = operand(values, counts)
            return None if text is None else match_text(fold_case(text), part)

        return against_literal

    def truth(values: Values, counts: EventCounts) -> Truth:
        text, part = operand(values, counts), pattern(values, counts)
        if text is None or part is None:
            return None
        return match_text(fold_case(text), fold_case(part))

    return truth


def _contains(text: str, part: str) -> bool:
    return part in text


_TEXT_MATCHES: dict[str, Callable[[str, str], bool]] = {
    "contains": _contains,
    "startswith": str.startswith,
    "endswith": str.endswith,
}
