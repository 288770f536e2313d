"""Text to condition: the Lark grammar, turned into immutable nodes, with located errors."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)
from lark.lexer import PatternStr

from leadflow.scoring.errors import ScoringModelError, Source
from leadflow.scoring.language import nodes as n
from leadflow.scoring.language.durations import EXPECTED as DURATION_EXPECTED
from leadflow.scoring.language.durations import parse_duration

_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t"}
# Words that are keywords but make likely attribute names; `word` quotes them as a name.
_RESERVED_NAMES = frozenset({"missing", "count", "did", "where", "within", "contains", "is", "in"})
_RESERVED_NAMES |= {"startswith", "endswith"}
_DESCRIPTIONS = {
    "NAME": "a name",
    "QUOTED_NAME": "a name",
    "STRING": "a string",
    "NUMBER": "a number",
    "DURATION": "a duration such as 30d",
    "COMPARISON": "a comparison (=, !=, <, <=, >, >=)",
    "EQUALS": "'='",
    "$END": "the end of the condition",
}


@cache
def _parser() -> Lark:
    grammar = resources.files("leadflow.scoring.language").joinpath("grammar.lark").read_text()
    return Lark(grammar, parser="lalr", lexer="basic", propagate_positions=True)


def parse_condition(text: str, source: Source | None = None) -> n.Condition:
    """Parse a condition (syntax only; see `check_condition` for names and types)."""
    source = source or Source("<condition>", text)
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as error:
        raise _syntax_error(error, text, source) from None
    try:
        return _ToNodes().transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, _BadToken):
            raise source.error(error.orig_exc.reason, error.orig_exc.offset) from None
        raise


class _BadToken(Exception):
    def __init__(self, reason: str, offset: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.offset = offset


def _decode_string(token: Token) -> str:
    body, decoded, i = token.value[1:-1], [], 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            escape = body[i + 1]
            if escape not in _ESCAPES:
                expected = "\\\\ \\' \\\" \\n \\t"
                reason = f"unknown escape '\\{escape}' in a string; expected one of {expected}"
                raise _BadToken(reason, (token.start_pos or 0) + 1 + i)
            decoded.append(_ESCAPES[escape])
            i += 2
        else:
            decoded.append(char)
            i += 1
    return "".join(decoded)


def _start(meta: Any) -> int:
    return getattr(meta, "start_pos", 0) or 0


@v_args(meta=True)
class _ToNodes(Transformer[Token, n.Condition]):
    """Lark tree to nodes; each node remembers the offset where its text starts."""

    def disjunction(self, meta: Any, terms: list[n.Condition]) -> n.Condition:
        return n.any_of(*terms, offset=_start(meta))

    def conjunction(self, meta: Any, terms: list[n.Condition]) -> n.Condition:
        return n.all_of(*terms, offset=_start(meta))

    def negate(self, meta: Any, children: list[n.Condition]) -> n.Condition:
        return n.Not(children[0], offset=_start(meta))

    def compare(self, meta: Any, children: list[Any]) -> n.Condition:
        left, op, right = children
        return n.Compare("=" if op == "==" else op.value, left, right, offset=_start(meta))

    def in_list(self, meta: Any, children: list[Any]) -> n.Condition:
        return n.InList(children[0], tuple(children[1]), offset=_start(meta))

    def not_in_list(self, meta: Any, children: list[Any]) -> n.Condition:
        return n.InList(children[0], tuple(children[1]), negated=True, offset=_start(meta))

    def text_match(self, meta: Any, children: list[Any]) -> n.Condition:
        operand, op, pattern = children
        return n.TextMatch(op.value, operand, pattern, offset=_start(meta))

    def text_op(self, meta: Any, children: list[Token]) -> Token:
        return children[0]

    def comparison(self, meta: Any, children: list[Token]) -> Token:
        return children[0]

    def is_missing(self, meta: Any, children: list[n.Operand]) -> n.Condition:
        return n.IsMissing(children[0], offset=_start(meta))

    def is_present(self, meta: Any, children: list[n.Operand]) -> n.Condition:
        return n.IsMissing(children[0], negated=True, offset=_start(meta))

    def did(self, meta: Any, children: list[n.EventQuery]) -> n.Condition:
        return n.Did(children[0], offset=_start(meta))

    def count(self, meta: Any, children: list[n.EventQuery]) -> n.Count:
        return n.Count(children[0], offset=_start(meta))

    def event_query(self, meta: Any, children: list[Any]) -> n.EventQuery:
        event, where, _, within = children
        duration = None
        if within is not None:
            duration = parse_duration(within.value)
            if duration is None:
                raise _BadToken(f"expected {DURATION_EXPECTED}", within.start_pos or 0)
        return n.EventQuery(event.name, where, duration, offset=event.offset)

    def literal_list(self, meta: Any, items: list[n.Literal]) -> list[n.Literal]:
        return items

    def name(self, meta: Any, children: list[Token]) -> n.Name:
        token = children[0]
        text = token.value[1:-1] if token.type == "QUOTED_NAME" else token.value
        return n.Name(text, offset=token.start_pos or 0)

    def string(self, meta: Any, children: list[Token]) -> n.Literal:
        return n.Literal(_decode_string(children[0]), offset=_start(meta))

    def number(self, meta: Any, children: list[Token]) -> n.Literal:
        text = children[0].value
        value = float(text) if any(c in text for c in ".eE") else int(text)
        return n.Literal(value, offset=_start(meta))

    def true(self, meta: Any, children: list[Token]) -> n.Literal:
        return n.Literal(True, offset=_start(meta))

    def false(self, meta: Any, children: list[Token]) -> n.Literal:
        return n.Literal(False, offset=_start(meta))

    def null(self, meta: Any, children: list[Token]) -> n.Literal:
        return n.Literal(None, offset=_start(meta))


def _describe(terminal: str) -> str:
    if terminal in _DESCRIPTIONS:
        return _DESCRIPTIONS[terminal]
    pattern = next((t.pattern for t in _parser().terminals if t.name == terminal), None)
    if isinstance(pattern, PatternStr):
        return f"'{pattern.value}'"
    return terminal.lower()


def _expected(terminals: set[str]) -> str:
    if "COMPARISON" in terminals:
        terminals = terminals - {"EQUALS"}
    described = sorted({_describe(t) for t in terminals}, key=lambda d: (d.startswith("'"), d))
    if len(described) == 1:
        return described[0]
    return "one of " + ", ".join(described[:-1]) + " or " + described[-1]


def _syntax_error(error: UnexpectedInput, text: str, source: Source) -> ScoringModelError:
    if isinstance(error, UnexpectedCharacters):
        position = error.pos_in_stream or 0
        got = f"unexpected character {text[position]!r}"
        return source.error(f"{got}; expected {_expected(error.allowed)}", position)
    if isinstance(error, UnexpectedToken) and error.token.type != "$END":
        token = error.token
        reason = f"unexpected {token.value!r}; expected {_expected(error.expected)}"
        before = text[: token.start_pos].split()
        if "NAME" in error.expected and token.value in _RESERVED_NAMES:
            reason += f" ('{token.value}' is a reserved word; write `{token.value}` for a name)"
        elif token.type == "DURATION":
            reason += " (a duration goes only in within=..., as in did(page_view, within=30d))"
        elif error.expected == {"LPAR"} and before and before[-1] in ("did", "count"):
            reason += f" ('{before[-1]}' takes an event, as in {before[-1]}(page_view))"
        return source.error(reason, token.start_pos or 0)
    expected: set[str] = set()
    if isinstance(error, UnexpectedToken | UnexpectedEOF):
        expected = {str(terminal) for terminal in error.expected} - {"$END"}
    reason = "unexpected end of the condition"
    if expected:
        reason += f"; expected {_expected(expected)}"
    return source.error(reason, len(text.rstrip()))
