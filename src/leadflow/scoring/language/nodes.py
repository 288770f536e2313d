"""The parsed form of a condition: immutable nodes, compared without their source offsets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal as TypingLiteral

ComparisonOp = TypingLiteral["=", "!=", "<", "<=", ">", ">="]
TextOp = TypingLiteral["contains", "startswith", "endswith"]
Scalar = str | int | float | bool | None


def _offset() -> int:
    # Where the node starts in its condition's text: for error messages, not for identity.
    return field(default=0, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True, slots=True)
class Literal:
    """A constant: text, number, true/false or null."""

    value: Scalar
    offset: int = _offset()


@dataclass(frozen=True, slots=True)
class Name:
    """A lead or account attribute, an event property, or a score such as `fit`."""

    name: str
    offset: int = _offset()


@dataclass(frozen=True, slots=True)
class EventQuery:
    """Which events to count: a type, a condition on their properties, a window back from now."""

    event_type: str
    where: Condition | None = None
    within: timedelta | None = None
    offset: int = _offset()
    # Scoring looks event counts up by query on every score: hash the whole query once.
    _hash: int = field(init=False, default=0, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.event_type, self.where, self.within)))

    def __hash__(self) -> int:
        return self._hash


@dataclass(frozen=True, slots=True)
class Count:
    """`count(event ...)`: how many of the lead's events match the query."""

    query: EventQuery
    offset: int = _offset()


@dataclass(frozen=True, slots=True)
class Did:
    """`did(event ...)`: whether at least one of the lead's events matches the query."""

    query: EventQuery
    offset: int = _offset()


@dataclass(frozen=True, slots=True)
class Compare:
    """`left op right`."""

    op: ComparisonOp
    left: Operand
    right: Operand
    offset: int = _offset()


@dataclass(frozen=True, slots=True)
class InList:
    """`operand in [items]`, or `not in` when negated."""

    operand: Operand
    items: tuple[Literal, ...]
    negated: bool = False
    offset: int = _offset()


@dataclass(frozen=True, slots=True)
class TextMatch:
    """`operand contains|startswith|endswith pattern`, ignoring ASCII case."""

    op: TextOp
    operand: Operand
    pattern: Operand
    offset: int = _offset()


@dataclass(frozen=True, slots=True)
class IsMissing:
    """`operand is missing`, or `is not missing` when negated."""

    operand: Operand
    negated: bool = False
    offset: int = _offset()


@dataclass(frozen=True, slots=True)
class And:
    """All terms hold (three-valued)."""

    terms: tuple[Condition, ...]
    offset: int = _offset()


@dataclass(frozen=True, slots=True)
class Or:
    """Any term holds (three-valued)."""

    terms: tuple[Condition, ...]
    offset: int = _offset()


@dataclass(frozen=True, slots=True)
class Not:
    """The term does not hold (three-valued: not unknown is unknown)."""

    term: Condition
    offset: int = _offset()


Operand = Literal | Name | Count
# A bare Name or Literal is a condition when it is boolean (e.g. `is_free_email`, `true`).
Condition = Compare | InList | TextMatch | IsMissing | And | Or | Not | Did | Name | Literal
Node = Condition | Count


def all_of(*terms: Condition, offset: int = 0) -> Condition:
    """`a and b and ...`, flattening nested conjunctions so equal meanings compare equal."""
    flat = tuple(t for term in terms for t in (term.terms if isinstance(term, And) else (term,)))
    return flat[0] if len(flat) == 1 else And(flat, offset=offset)


def any_of(*terms: Condition, offset: int = 0) -> Condition:
    """`a or b or ...`, flattening nested disjunctions so equal meanings compare equal."""
    flat = tuple(t for term in terms for t in (term.terms if isinstance(term, Or) else (term,)))
    return flat[0] if len(flat) == 1 else Or(flat, offset=offset)


def children(node: Node) -> tuple[Node, ...]:
    """The nodes directly inside `node`, not looking into event queries' `where`."""
    match node:
        case Compare(left=left, right=right):
            return (left, right)
        case InList(operand=operand) | IsMissing(operand=operand):
            return (operand,)
        case TextMatch(operand=operand, pattern=pattern):
            return (operand, pattern)
        case And(terms=terms) | Or(terms=terms):
            return terms
        case Not(term=term):
            return (term,)
        case _:
            return ()


def walk(node: Node) -> tuple[Node, ...]:
    """`node` and every node inside it, outside event queries' `where`, depth first."""
    return (node, *(inner for child in children(node) for inner in walk(child)))


def event_queries(condition: Condition) -> tuple[EventQuery, ...]:
    """The distinct event queries a condition uses (`did` and `count`), in order of appearance."""
    found = (node.query for node in walk(condition) if isinstance(node, Did | Count))
    return tuple(dict.fromkeys(found))


def names(condition: Condition) -> tuple[str, ...]:
    """The distinct names a condition reads, outside event queries, in order of appearance."""
    return tuple(dict.fromkeys(n.name for n in walk(condition) if isinstance(n, Name)))
