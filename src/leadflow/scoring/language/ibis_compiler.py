"""Condition to Ibis expression, for scoring many leads or events in one query.

SQL's NULL logic is the language's three-valued logic, so the compiled expression is NULL
exactly where `evaluate` gives None; a filter treats it as false, as `holds` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from string import ascii_lowercase, ascii_uppercase
from typing import Any

import ibis
import ibis.expr.types as ir

from leadflow.scoring.language import nodes as n
from leadflow.scoring.language.evaluator import fold_case


def compile_condition(
    condition: n.Condition,
    columns: Mapping[str, ir.Value],
    event_counts: Mapping[n.EventQuery, ir.IntegerValue] | None = None,
) -> ir.BooleanValue:
    """An Ibis boolean over `columns` (keyed by attribute or property name) and event counts."""
    return _Compiler(columns, event_counts or {}).truth(condition)


def _fold_column(value: ir.Value) -> ir.Value:
    # Translating A-Z alone is the same on every engine; lower() is not (SQLite folds ASCII
    # only, DuckDB and PostgreSQL all of Unicode, each a little differently).
    if isinstance(value, ir.StringValue):
        return value.translate(ascii_uppercase, ascii_lowercase)
    return value


class _Compiler:
    def __init__(
        self,
        columns: Mapping[str, ir.Value],
        event_counts: Mapping[n.EventQuery, ir.IntegerValue],
    ) -> None:
        self.columns = columns
        self.event_counts = event_counts

    def count(self, query: n.EventQuery) -> ir.IntegerValue:
        if query not in self.event_counts:
            raise ValueError(f"no event count column given for {query.event_type!r}")
        return self.event_counts[query].fill_null(0)

    def value(self, node: n.Node, folded: bool = False) -> Any:
        match node:
            case n.Literal(value=str() as text):
                return ibis.literal(fold_case(text) if folded else text)
            case n.Literal(value=value):
                return ibis.literal(value)
            case n.Name(name=name):
                if name not in self.columns:
                    raise ValueError(f"no column given for {name!r}")
                column = self.columns[name]
                return _fold_column(column) if folded else column
            case n.Count(query=query):
                return self.count(query)
        raise TypeError(f"not an operand: {node!r}")

    def truth(self, node: n.Condition) -> ir.BooleanValue:
        match node:
            case n.And(terms=terms):
                result = self.truth(terms[0])
                for term in terms[1:]:
                    result = result & self.truth(term)
                return result
            case n.Or(terms=terms):
                result = self.truth(terms[0])
                for term in terms[1:]:
                    result = result | self.truth(term)
                return result
            case n.Not(term=term):
                return ~self.truth(term)
            case n.Did(query=query):
                return self.count(query) > 0
            case n.Compare(op=op, left=left, right=right):
                return _COMPARISONS[op](self.value(left, True), self.value(right, True))
            case n.InList(operand=operand, items=items, negated=negated):
                folded = [
                    fold_case(i.value) if isinstance(i.value, str) else i.value for i in items
                ]
                found = self.value(operand, True).isin(folded)
                return ~found if negated else found
            case n.TextMatch(op=op, operand=operand, pattern=pattern):
                return self.text_match(op, self.value(operand, True), self.value(pattern, True))
            case n.IsMissing(operand=operand, negated=negated):
                value = self.value(operand)
                return value.notnull() if negated else value.isnull()
            case _:
                return self.value(node)

    def text_match(self, op: str, text: ir.StringValue, part: ir.StringValue) -> ir.BooleanValue:
        if op == "contains":
            return text.contains(part)
        # Ibis compiles startswith/endswith to LIKE on some engines without escaping % and _.
        if op == "startswith":
            return text.find(part) == 0
        return text.right(part.length()) == part


_COMPARISONS: Mapping[str, Any] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
