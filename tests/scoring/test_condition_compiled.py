"""The compiled evaluator: compiled once, run many times, with the language's exact semantics.

The Ibis compiler run by DuckDB, SQLite and PostgreSQL is the oracle for generated conditions
(test_condition_properties, which also checks that one compiled condition answers every
row alike); these cases pin the shapes the compiled form treats specially:
literals folded ahead of time, lists as sets, values a set cannot hold, NaN, and null literals.
"""

from __future__ import annotations

from typing import Any

import pytest

from leadflow.scoring.language import evaluate, parse_condition
from leadflow.scoring.language import nodes as n
from leadflow.scoring.language.evaluator import compile_predicate, no_events


def compiled(text: str) -> Any:
    predicate = compile_predicate(parse_condition(text))
    return lambda **values: predicate(values, no_events)


def test_lists_match_numbers_by_value_and_text_by_folded_case() -> None:
    in_list = compiled("n in [1, 2.5]")
    assert in_list(n=1.0) is True
    assert in_list(n=2.5) is True
    assert in_list(n=2) is False
    assert in_list(n=float("nan")) is None  # NaN is missing
    folded = compiled("s in ['VP', 'vp', 'C-Level']")
    assert folded(s="Vp") is True
    assert folded(s="c-LEVEL") is True
    assert compiled("s not in ['VP', 'vp']")(s="vP") is False


def test_values_a_set_cannot_hold_are_compared_item_by_item() -> None:
    # A JSON attribute may hold a list: it equals no item, and asking is no error.
    assert compiled("s in ['a', 'b']")(s=["a"]) is False
    assert compiled("s not in ['a', 'b']")(s=["a"]) is True
    assert compiled("s = 'a'")(s=["a"]) is False


def test_literals_on_either_side_fold_alike() -> None:
    assert compiled("'VP' = seniority")(seniority="vp") is True
    assert compiled("seniority = 'VP'")(seniority="vp") is True
    assert compiled("'Head of Ops' contains 'OPS'")() is True
    assert compiled("title startswith prefix")(title="VP Sales", prefix="vp") is True
    assert compiled("title endswith prefix")(title="VP Sales") is None


def test_a_comparison_with_null_is_unknown_whatever_the_other_side() -> None:
    for text in ["n = null", "null = n", "n != null", "null < 1"]:
        assert evaluate(parse_condition(text), {"n": 1}) is None, text


def test_counts_are_asked_lazily_as_the_interpreter_did() -> None:
    # `and` stops at a false term, so a condition with events evaluates without counts there.
    assert evaluate(parse_condition("false and did(demo_request)"), {}) is False
    with pytest.raises(ValueError, match="no event counts given"):
        evaluate(parse_condition("true and did(demo_request)"), {})


def test_a_malformed_tree_is_refused_when_compiled() -> None:
    malformed = n.Compare("=", n.Not(n.Literal(True)), n.Literal(1))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not an operand"):
        compile_predicate(malformed)
