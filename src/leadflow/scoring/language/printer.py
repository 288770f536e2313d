"""Condition to canonical text: what the model checksum and error messages are made from."""

from __future__ import annotations

import re

from leadflow.scoring.language import nodes as n
from leadflow.scoring.language.durations import format_duration

_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
RESERVED = frozenset(
    [
        "and",
        "or",
        "not",
        "in",
        "is",
        "missing",
        "did",
        "count",
        "where",
        "within",
        "true",
        "false",
        "null",
        "contains",
        "startswith",
        "endswith",
    ]
)
# Binding strength: a term binding looser than its parent is parenthesised.
_OR, _AND, _NOT, _PREDICATE = range(4)


def to_text(node: n.Node) -> str:
    """The canonical text of a condition or operand; parsing it gives an equal node."""
    return _text(node)


def _strength(node: n.Node) -> int:
    return {n.Or: _OR, n.And: _AND, n.Not: _NOT}.get(type(node), _PREDICATE)


def _inner(node: n.Node, parent: int) -> str:
    text = _text(node)
    return f"({text})" if _strength(node) < parent else text


def _literal(value: n.Scalar) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace("'", "\\'")
        return "'" + escaped.replace("\n", "\\n").replace("\t", "\\t") + "'"
    return repr(value)


def _name(name: str) -> str:
    plain = _PLAIN_NAME.fullmatch(name) and name not in RESERVED
    return name if plain else f"`{name}`"


def _query(query: n.EventQuery) -> str:
    text = _name(query.event_type)
    if query.where is not None:
        text += f" where {_text(query.where)}"
    if query.within is not None:
        text += f", within={format_duration(query.within)}"
    return text


def _text(node: n.Node) -> str:
    match node:
        case n.Literal(value=value):
            return _literal(value)
        case n.Name(name=name):
            return _name(name)
        case n.Count(query=query):
            return f"count({_query(query)})"
        case n.Did(query=query):
            return f"did({_query(query)})"
        case n.Compare(op=op, left=left, right=right):
            return f"{_text(left)} {op} {_text(right)}"
        case n.InList(operand=operand, items=items, negated=negated):
            listed = ", ".join(_text(item) for item in items)
            return f"{_text(operand)} {'not in' if negated else 'in'} [{listed}]"
        case n.TextMatch(op=op, operand=operand, pattern=pattern):
            return f"{_text(operand)} {op} {_text(pattern)}"
        case n.IsMissing(operand=operand, negated=negated):
            return f"{_text(operand)} is {'not missing' if negated else 'missing'}"
        case n.And(terms=terms):
            return " and ".join(_inner(term, _AND + 1) for term in terms)
        case n.Or(terms=terms):
            return " or ".join(_inner(term, _OR + 1) for term in terms)
        case n.Not(term=term):
            return f"not {_inner(term, _NOT)}"
    raise TypeError(f"not a condition node: {node!r}")
