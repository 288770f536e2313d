"""Fuzzing the condition language and the model file loader: whatever the text, the tree or
the values, the answer is a result or a ScoringModelError naming line and column, never a
traceback; YAML tags that would run code are inert."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from leadflow.scoring.errors import ScoringModelError, Source
from leadflow.scoring.language import Scope, ValueType, check_condition, evaluate, parse_condition
from leadflow.scoring.language import nodes as n
from leadflow.scoring.language.printer import to_text
from leadflow.scoring.model_file import parse_model, starter_model_text

from .test_condition_properties import SCOPE, conditions

# Pieces of the language, so random text gets past the first token often.
TOKENS = [
    "s1", "n1", "b1", "'odd name'", "account.employees", "=", "==", "!=", "<", ">=", "in",
    "not", "and", "or", "(", ")", "[", "]", ",", "'x'", '"y"', "1", "-2.5", "1e999", "true",
    "null", "missing", "is", "contains", "startswith", "did", "count", "where", "within",
    "within=30d", "within=99999999999d", "page_view", "\\", "'", "\x00", "é", "\n",
]  # fmt: skip
token_text = st.lists(st.sampled_from(TOKENS), max_size=12).map(" ".join)
any_text = st.text(max_size=60) | token_text
# Values of each declared type as the store holds them, edge cases included.
typed_values = {
    ValueType.TEXT: st.none() | st.text(max_size=6),
    ValueType.NUMBER: st.none() | st.integers() | st.floats(allow_nan=False),
    ValueType.BOOLEAN: st.none() | st.booleans(),
}
WRONG_SCOPE = Scope("a test", {name: ValueType.NUMBER for name in SCOPE.names}, "attribute")


def _located(error: ScoringModelError, text: str) -> None:
    assert error.line >= 1 and error.column >= 1
    assert error.line <= max(1, text.count("\n") + 1)


@settings(max_examples=200, deadline=None)
@given(any_text)
def test_any_text_parses_and_checks_or_is_refused_with_a_place(text: str) -> None:
    source = Source("<fuzz>", text)
    try:
        condition = parse_condition(text, source)
        check_condition(condition, SCOPE, source)
    except ScoringModelError as error:
        _located(error, text)


@settings(max_examples=60, deadline=None)
@given(conditions)
def test_a_tree_checked_against_the_wrong_types_is_refused_with_a_place(
    condition: n.Condition,
) -> None:
    text = to_text(condition)
    try:
        check_condition(parse_condition(text), WRONG_SCOPE, Source("<fuzz>", text))
    except ScoringModelError as error:
        _located(error, text)


@settings(max_examples=60, deadline=None)
@given(
    conditions,
    st.fixed_dictionaries(
        {}, optional={name: typed_values[kind] for name, kind in SCOPE.names.items()}
    ),
)
def test_evaluating_any_values_of_the_declared_types_gives_true_false_or_unknown(
    condition: n.Condition, values: dict[str, Any]
) -> None:
    assert evaluate(condition, values) in (True, False, None)


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["name", "version", "fit_rules", "when", "points", "x"])
            | st.text(max_size=4),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(yaml_values)
def test_any_yaml_document_loads_or_is_refused_with_a_place(document: Any) -> None:
    text = yaml.safe_dump(document, allow_unicode=True)
    try:
        parse_model(text, file="model.yaml")
    except ScoringModelError as error:
        _located(error, text)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80), st.integers(min_value=0, max_value=4_000))
def test_a_starter_model_cut_or_spliced_with_noise_is_refused_with_a_place(
    noise: str, at: int
) -> None:
    starter = starter_model_text()
    text = starter[:at] + noise + starter[at + len(noise) :]
    try:
        parse_model(text, file="model.yaml")
    except ScoringModelError as error:
        _located(error, text)


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system ['touch {marker}']",
        "!!python/object/new:os.system ['touch {marker}']",
        "!!python/name:os.system",
        "!!binary aGVsbG8=",
        "!custom {{x: 1}}",
    ],
)
def test_yaml_tags_are_inert_and_refused_clearly(tmp_path: Path, tag: str) -> None:
    marker = tmp_path / "ran"
    value = tag.format(marker=marker)
    for text in [f"name: {value}\nversion: '1'\n", starter_model_text() + f"\nextra: {value}\n"]:
        with pytest.raises(ScoringModelError) as caught:
            parse_model(text, file="model.yaml")
        _located(caught.value, text)
    assert not marker.exists()


def test_a_nan_point_value_is_refused() -> None:
    text = starter_model_text().replace("points: 25", "points: .nan", 1)
    with pytest.raises(ScoringModelError) as caught:
        parse_model(text, file="model.yaml")
    _located(caught.value, text)
