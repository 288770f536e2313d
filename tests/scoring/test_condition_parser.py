"""Parsing conditions: structure, precedence, literals, and errors that say where and what."""

from __future__ import annotations

from datetime import timedelta

import pytest

from leadflow.scoring.errors import ScoringModelError
from leadflow.scoring.language import nodes as n
from leadflow.scoring.language import parse_condition


def test_and_binds_tighter_than_or_and_not_tighter_than_and() -> None:
    parsed = parse_condition("not a or b and c")
    assert parsed == n.Or((n.Not(n.Name("a")), n.And((n.Name("b"), n.Name("c")))))


def test_parentheses_group_and_nested_conjunctions_flatten() -> None:
    assert parse_condition("(a or b) and c") == n.And(
        (n.Or((n.Name("a"), n.Name("b"))), n.Name("c"))
    )
    assert parse_condition("(a and b) and (c and d)") == parse_condition("a and b and c and d")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x = 'it\\'s'", n.Literal("it's")),
        ('x = "say \\"hi\\""', n.Literal('say "hi"')),
        ("x = 'a\\\\b'", n.Literal("a\\b")),
        ("x = -12", n.Literal(-12)),
        ("x = 2.5e3", n.Literal(2500.0)),
        ("x = true", n.Literal(True)),
        ("x = null", n.Literal(None)),
    ],
)
def test_literals(text: str, expected: n.Literal) -> None:
    parsed = parse_condition(text)
    assert isinstance(parsed, n.Compare)
    assert parsed.right == expected
    assert type(parsed.right.value) is type(expected.value)


def test_comparison_operators_and_double_equals() -> None:
    for op in ["=", "!=", "<", "<=", ">", ">="]:
        assert parse_condition(f"n {op} 1") == n.Compare(op, n.Name("n"), n.Literal(1))  # type: ignore[arg-type]
    assert parse_condition("n == 1") == parse_condition("n = 1")


def test_list_text_and_missing_predicates() -> None:
    assert parse_condition("x not in ['a', 'b',]") == n.InList(
        n.Name("x"), (n.Literal("a"), n.Literal("b")), negated=True
    )
    assert parse_condition("title startswith 'vp'") == n.TextMatch(
        "startswith", n.Name("title"), n.Literal("vp")
    )
    assert parse_condition("x is not missing") == n.IsMissing(n.Name("x"), negated=True)


def test_dotted_and_quoted_names() -> None:
    assert parse_condition("account.employees > 5") == n.Compare(
        ">", n.Name("account.employees"), n.Literal(5)
    )
    assert parse_condition("`Company Size` = 'x'").left == n.Name("Company Size")  # type: ignore[union-attr]
    assert parse_condition("`count` > 1").left == n.Name("count")  # type: ignore[union-attr]


def test_event_predicates() -> None:
    query = n.EventQuery(
        "page_view",
        n.TextMatch("startswith", n.Name("path"), n.Literal("/pricing")),
        timedelta(days=7),
    )
    parsed = parse_condition("count(page_view where path startswith '/pricing', within=7d) >= 3")
    assert parsed == n.Compare(">=", n.Count(query), n.Literal(3))
    assert parse_condition("did(demo_request)") == n.Did(n.EventQuery("demo_request"))
    assert parse_condition("did(x, within=90m)") == n.Did(
        n.EventQuery("x", None, timedelta(minutes=90))
    )
    assert parse_condition("did(x, within=2w)") == n.Did(
        n.EventQuery("x", None, timedelta(weeks=2))
    )


def test_event_queries_are_collected_once_in_order() -> None:
    parsed = parse_condition(
        "did(a) or count(b, within=1d) > 2 and did(a) or not did(c where x = 1)"
    )
    assert [q.event_type for q in n.event_queries(parsed)] == ["a", "b", "c"]


def test_nodes_remember_where_they_start_without_it_affecting_equality() -> None:
    parsed = parse_condition("a = 1 and  title contains 'x'")
    assert isinstance(parsed, n.And)
    assert [term.offset for term in parsed.terms] == [0, 11]
    assert parsed == parse_condition("a = 1 and title contains 'x'")


@pytest.mark.parametrize(
    ("text", "column", "words"),
    [
        ("title contains", 15, "unexpected end of the condition; expected one of a name"),
        ("a = = 2", 5, "unexpected '='"),
        ("a ~ 1", 3, "unexpected character '~'"),
        ("a = 1 and and", 11, "'and'"),
        ("x = 'a\\q'", 7, "unknown escape '\\q'"),
        ("did(x, within=30days)", 15, "a duration"),
        ("did(x, within=0d)", 15, "a duration"),
        ("x = 30d", 5, "a duration goes only in within="),
        ("count = 1", 7, "'count' takes an event"),
        ("x in []", 7, "unexpected ']'"),
        ("missing = 1", 1, "write `missing` for a name"),
    ],
)
def test_syntax_errors_name_the_column_and_what_was_expected(
    text: str, column: int, words: str
) -> None:
    with pytest.raises(ScoringModelError) as raised:
        parse_condition(text)
    error = raised.value
    assert (error.file, error.line, error.column) == ("<condition>", 1, column)
    assert words in error.reason
