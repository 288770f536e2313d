"""Evaluating conditions in Python: three-valued logic, ASCII case folding, event predicates."""

from __future__ import annotations

from typing import Any

import pytest

from leadflow.scoring.language import EventQuery, evaluate, holds, parse_condition
from leadflow.scoring.language import nodes as n


def truth(text: str, **values: Any) -> bool | None:
    return evaluate(parse_condition(text), values)


@pytest.mark.parametrize(
    ("a", "b", "a_and_b", "a_or_b"),
    [
        (True, True, True, True),
        (True, False, False, True),
        (True, None, None, True),
        (False, False, False, False),
        (False, None, False, None),
        (None, None, None, None),
    ],
)
def test_and_or_follow_sql_three_valued_logic(
    a: bool | None, b: bool | None, a_and_b: bool | None, a_or_b: bool | None
) -> None:
    for x, y in [(a, b), (b, a)]:
        assert truth("x and y", x=x, y=y) is a_and_b
        assert truth("x or y", x=x, y=y) is a_or_b


def test_not_unknown_is_unknown_and_unknown_does_not_hold() -> None:
    assert truth("not title = 'cto'") is None
    assert truth("not not title = 'cto'") is None
    assert not holds(parse_condition("not title = 'cto'"), {})
    assert not holds(parse_condition("title = 'cto'"), {})


def test_every_predicate_on_a_missing_value_is_unknown() -> None:
    for text in [
        "n > 1",
        "n = 1",
        "n != 1",
        "s in ['a']",
        "s not in ['a']",
        "s contains 'a'",
        "s startswith 'a'",
        "s endswith 'a'",
        "b",
        "s = t",
    ]:
        assert truth(text, t="a") is None, text


def test_is_missing_is_never_unknown() -> None:
    assert truth("s is missing") is True
    assert truth("s is missing", s="") is False
    assert truth("s is not missing", s="x") is True
    assert truth("n is missing", n=float("nan")) is True


def test_text_comparisons_ignore_ascii_case_only() -> None:
    assert truth("title = 'VP Sales'", title="vp sales") is True
    assert truth("title contains 'SALES'", title="VP of Sales") is True
    assert truth("title startswith 'vp'", title="VP, Marketing") is True
    assert truth("title endswith 'OPS'", title="Head of DevOps") is True
    assert truth("country in ['us', 'ca']", country="US") is True
    assert truth("country not in ['us', 'ca']", country="Us") is False
    # Non-ASCII letters keep their case: engines fold them differently.
    assert truth("city = 'ÉVRY'", city="évry") is False
    assert truth("city = 'Évry'", city="Évry") is True


def test_numbers_compare_as_numbers() -> None:
    assert truth("n >= 200 and n < 5000", n=200) is True
    assert truth("n >= 200 and n < 5000", n=5000.0) is False
    assert truth("n in [1, 2.5]", n=2.5) is True
    assert truth("n != 3", n=3) is False


def test_booleans_as_conditions_and_in_comparisons() -> None:
    assert truth("is_free_email", is_free_email=True) is True
    assert truth("not is_free_email", is_free_email=False) is True
    assert truth("is_free_email = false", is_free_email=False) is True
    assert truth("true and not false") is True


def test_event_predicates_read_the_given_counts() -> None:
    condition = parse_condition("did(demo_request, within=30d) or count(page_view) >= 3")
    demo, views = n.event_queries(condition)
    asked: list[EventQuery] = []

    def counts(values: dict[EventQuery, int]) -> Any:
        def count(query: EventQuery) -> int:
            asked.append(query)
            return values[query]

        return count

    assert evaluate(condition, {}, counts({demo: 1, views: 0})) is True
    assert asked == [demo]  # `or` stops at the first true term
    assert evaluate(condition, {}, counts({demo: 0, views: 3})) is True
    assert evaluate(condition, {}, counts({demo: 0, views: 2})) is False


def test_event_predicates_without_counts_are_an_error() -> None:
    with pytest.raises(ValueError, match="no event counts given"):
        evaluate(parse_condition("did(demo_request)"), {})
