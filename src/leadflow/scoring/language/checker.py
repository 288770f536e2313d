"""Names and types: an unknown name or a type mismatch is an error, never silently false."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from leadflow.scoring.errors import Source
from leadflow.scoring.language import nodes as n
from leadflow.scoring.language.printer import to_text
from leadflow.scoring.language.schema import SCORES, Scope, ValueType

_ORDERING = frozenset({"<", "<=", ">", ">="})


def check_condition(condition: n.Condition, scope: Scope, source: Source) -> None:
    """Raise ScoringModelError at the first unknown name or type error in `condition`."""
    _Checker(scope, source).condition(condition)


def suggestion(name: str, candidates: Iterable[str]) -> str:
    """'; did you mean 'x'?' for the closest candidate, or nothing when none is close."""
    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _show(node: n.Node) -> str:
    text = to_text(node)
    return text if len(text) <= 40 else text[:37] + "..."


def _type_name(value_type: ValueType | None) -> str:
    return "null" if value_type is None else value_type.value


class _Checker:
    def __init__(self, scope: Scope, source: Source) -> None:
        self.scope = scope
        self.source = source

    def fail(self, reason: str, node: n.Node | n.EventQuery) -> Exception:
        return self.source.error(reason, node.offset)

    def condition(self, node: n.Condition) -> None:
        match node:
            case n.And(terms=terms) | n.Or(terms=terms):
                for term in terms:
                    self.condition(term)
            case n.Not(term=term):
                self.condition(term)
            case n.Did(query=query):
                self.query(query, node)
            case n.Compare():
                self.compare(node)
            case n.InList():
                self.in_list(node)
            case n.TextMatch(operand=operand, pattern=pattern):
                for side in (operand, pattern):
                    if (side_type := self.operand(side)) is not ValueType.TEXT:
                        raise self.fail(
                            f"{node.op} needs text on both sides; {_show(side)} is "
                            f"{_type_name(side_type)}",
                            side,
                        )
            case n.IsMissing(operand=operand):
                if not isinstance(operand, n.Name):
                    never = "0 when nothing matched" if isinstance(operand, n.Count) else "a value"
                    raise self.fail(f"{_show(operand)} is never missing (it is {never})", operand)
                self.operand(operand)
            case n.Literal(value=bool()):
                pass
            case _:
                self.bare_operand(node)

    def bare_operand(self, node: n.Operand) -> None:
        value_type = self.operand(node)
        if value_type is ValueType.BOOLEAN:
            return
        if value_type is None:
            raise self.fail("null is not a condition; test for it with `name is missing`", node)
        example = "count(...) >= 1" if isinstance(node, n.Count) else f"{_show(node)} = ..."
        raise self.fail(
            f"expected a condition, got {_show(node)}, which is {value_type.value}; "
            f"compare it, as in {example}",
            node,
        )

    def compare(self, node: n.Compare) -> None:
        left, right = self.operand(node.left), self.operand(node.right)
        for side, side_type in ((node.left, left), (node.right, right)):
            if side_type is None:
                raise self.fail(
                    "a comparison with null is never true; write `name is missing` instead", side
                )
            if side_type is ValueType.DATETIME:
                raise self.fail(
                    f"{_show(side)} is a datetime; datetimes support only "
                    "`is missing` and `is not missing`",
                    side,
                )
        if left is not right:
            raise self.fail(
                f"cannot compare {_show(node.left)} ({_type_name(left)}) with "
                f"{_show(node.right)} ({_type_name(right)}); expected a {_type_name(left)}",
                node.right,
            )
        if node.op in _ORDERING and left is not ValueType.NUMBER:
            raise self.fail(f"'{node.op}' needs numbers; {_show(node.left)} is {left}", node)

    def in_list(self, node: n.InList) -> None:
        operand_type = self.operand(node.operand)
        if operand_type not in (ValueType.TEXT, ValueType.NUMBER):
            raise self.fail(
                f"'in' needs text or a number on its left; {_show(node.operand)} is "
                f"{_type_name(operand_type)}",
                node.operand,
            )
        for item in node.items:
            item_type = self.operand(item)
            if item_type is None:
                raise self.fail("null never matches in a list; use `is missing`", item)
            if item_type is not operand_type:
                raise self.fail(
                    f"list item {_show(item)} is {item_type}; expected {operand_type} like "
                    f"{_show(node.operand)}",
                    item,
                )

    def operand(self, node: n.Node) -> ValueType | None:
        match node:
            case n.Literal(value=None):
                return None
            case n.Literal(value=bool()):
                return ValueType.BOOLEAN
            case n.Literal(value=str()):
                return ValueType.TEXT
            case n.Literal():
                return ValueType.NUMBER
            case n.Name(name=name):
                return self.name(node, name)
            case n.Count(query=query):
                self.query(query, node)
                return ValueType.NUMBER
        raise self.fail(f"expected a value, got the condition {_show(node)}", node)

    def name(self, node: n.Name, name: str) -> ValueType:
        known = self.scope.names.get(name)
        if known is not None:
            return known
        reason = f"unknown {self.scope.noun} '{name}'" + suggestion(name, self.scope.names)
        if name in SCORES:
            reason += f" (scores are known only in the MQL criteria, not in {self.scope.place})"
        raise self.fail(reason, node)

    def query(self, query: n.EventQuery, call: n.Did | n.Count) -> None:
        if not self.scope.event_types:
            raise self.fail(
                f"did(...) and count(...) are not allowed in {self.scope.place}; "
                "only disqualify rules and the MQL criteria look at events",
                call,
            )
        if query.event_type not in self.scope.event_types:
            raise self.fail(
                f"unknown event type '{query.event_type}'"
                + suggestion(query.event_type, self.scope.event_types),
                query,
            )
        if query.where is not None:
            _Checker(self.scope.properties(), self.source).condition(query.where)
