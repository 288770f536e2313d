"""The scoring model file: what loads, the checksum, and errors that name file, line, column."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from leadflow.scoring import Schema, ScoringModelError, load_model, parse_model
from leadflow.scoring.language import nodes as n

MODEL = """\
# A small model.
name: small
version: 1.10
fit_rules:
  - name: vp
    when: seniority = 'vp'
    points: 20
  - name: tiny_company
    when: account.employees < 10
    points: -5.5
engagement_rules:
  - name: pricing
    event: page_view
    where: path startswith '/pricing'
    points: 10
    half_life: 14d
    cap: 30
  - name: unsubscribed
    event: unsubscribe
    points: -20
disqualify_rules:
  - name: student
    when: title contains 'student'
fit_bands:
  A: 60
  B: 40
  C: 20
engagement_bands:
  1: 50
  2: 25
  3: 10
mql_criteria: grade in ['A1', 'A2'] or did(demo_request, within=30d)
"""


def error(text: str) -> ScoringModelError:
    with pytest.raises(ScoringModelError) as raised:
        parse_model(text, file="scoring.yaml")
    assert raised.value.file == "scoring.yaml"
    return raised.value


def test_a_model_file_loads_into_typed_rules() -> None:
    model = parse_model(MODEL)
    assert (model.name, model.version) == ("small", "1.10")
    assert [(r.name, r.points) for r in model.fit_rules] == [("vp", 20.0), ("tiny_company", -5.5)]
    pricing, unsubscribed = model.engagement_rules
    assert (pricing.event, pricing.half_life, pricing.cap) == ("page_view", timedelta(days=14), 30)
    assert pricing.where == n.TextMatch("startswith", n.Name("path"), n.Literal("/pricing"))
    assert (unsubscribed.half_life, unsubscribed.cap, unsubscribed.where) == (None, None, None)
    assert [r.name for r in model.disqualify_rules] == ["student"]
    assert [model.fit_bands.band(s) for s in (60, 59.9, 40, 20, 19.99, -5)] == list("ABBCDD")
    assert [model.engagement_bands.band(s) for s in (50, 25, 24, 10, 0)] == list("12334")
    assert [q.event_type for q in model.event_queries] == ["demo_request"]


def test_load_model_names_the_file_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "scoring.yaml"
    path.write_text(MODEL.replace("seniority = 'vp'", "seniority = 'vp' and"))
    with pytest.raises(ScoringModelError) as raised:
        load_model(path)
    assert (raised.value.file, raised.value.line, raised.value.column) == (str(path), 6, 31)
    assert str(raised.value).startswith(f"{path}:6:31: unexpected end of the condition")


@pytest.mark.parametrize(
    ("old", "new", "line", "column", "reason"),
    [
        (
            "    points: 20",
            "    pionts: 20",
            7,
            5,
            "unknown key 'pionts' in a fit rule; did you mean",
        ),
        ("    points: 20\n", "", 5, 5, "a fit rule is missing 'points'"),
        ("    points: 20", "    points:", 7, 5, "'points' in a fit rule needs a value"),
        ("    points: 20", "    points: lots", 7, 13, "expected points (a number)"),
        ("    points: 20", "    points: .inf", 7, 13, "expected points (a number)"),
        ("    points: 20", "    points: true", 7, 13, "expected points (a number)"),
        ("    half_life: 14d", "    half_life: 2 weeks", 16, 16, "a half-life must be a duration"),
        ("    half_life: 14d", "    half_life: 0d", 16, 16, "a half-life must be a duration"),
        ("    cap: 30", "    cap: 0", 17, 10, "a cap must be greater than 0"),
        ("    cap: 30", "    cap: -3", 17, 10, "a cap must be greater than 0"),
        ("  - name: tiny_company", "  - name: vp", 8, 11, "duplicate rule name 'vp'"),
        ("  - name: student", "  - name: pricing", 22, 11, "duplicate rule name 'pricing'"),
        ("  - name: tiny_company", "  - name: tiny company", 8, 11, "letters, digits"),
        ("    event: page_view", "    event: pageview", 13, 12, "did you mean 'page_view'?"),
        ("name: small\n", "", 2, 1, "the scoring model is missing 'name'"),
        ("name: small", "name: small\nname: again", 3, 1, "duplicate key 'name'"),
        ("    cap: 30", "    cap:\n    cap: 3", 18, 5, "duplicate key 'cap' in an engagement"),
        ("name: small", "nmae: small", 2, 1, "unknown key 'nmae' in the scoring model"),
        ("  C: 20", "  C: 45", 27, 6, "band C must start below the band before it (40)"),
        ("  C: 20", "  D: 20", 27, 3, "unknown key 'D' in fit_bands"),
        ("  3: 10\n", "", 29, 3, "engagement_bands is missing '3'"),
        (
            "disqualify_rules:\n  - name: student\n    when: title contains 'student'\n",
            "disqualify_rules: none\n",
            21,
            19,
            "expected a list of disqualify rules",
        ),
        ("mql_criteria: grade", "mql_criteria: grad", 32, 15, "did you mean 'grade'?"),
        ("or did(demo_request,", "or did(demo_requests,", 32, 44, "unknown event type"),
        ("    when: seniority = 'vp'", "    when: seniority = 1", 6, 23, "cannot compare"),
        ("    when: seniority = 'vp'", "    when: fit > 1", 6, 11, "scores are known only"),
        ("account.employees", "did(page_view) and account.employees", 9, 11, "not allowed"),
        ("name: small", "name: [small", 3, 8, "invalid YAML"),
    ],
)
def test_errors_name_file_line_column_and_what_was_expected(
    old: str, new: str, line: int, column: int, reason: str
) -> None:
    assert old in MODEL
    raised = error(MODEL.replace(old, new, 1))
    assert (raised.line, raised.column) == (line, column), raised
    assert reason in raised.reason


@pytest.mark.parametrize(
    ("when", "line", "column"),
    [
        ('"seniority = \\"vp\\" and titel = \'x\'"', 6, 35),
        ("'seniority = ''vp'' and titel = ''x'''", 6, 35),
        (">\n      seniority = 'vp'\n      and titel = 'x'", 8, 11),
        ("|\n      seniority = 'vp'\n        and titel = 'x'", 8, 13),
        ("seniority = 'vp'\n      and titel = 'x'", 7, 11),
    ],
)
def test_condition_errors_point_into_quoted_and_multi_line_scalars(
    when: str, line: int, column: int
) -> None:
    raised = error(MODEL.replace("seniority = 'vp'", when, 1))
    assert "unknown attribute 'titel'" in raised.reason
    assert (raised.line, raised.column) == (line, column)
    assert raised.excerpt is not None and raised.excerpt[column - 1 :].startswith("titel")


def test_an_empty_file_or_a_list_is_not_a_model() -> None:
    assert "the file is empty" in error("# nothing\n").reason
    assert "expected the scoring model (a mapping" in error("- a\n- b\n").reason


def test_custom_attributes_come_from_the_schema() -> None:
    text = MODEL.replace("seniority = 'vp'", "intent_topic = 'crm'")
    assert "unknown attribute 'intent_topic'" in error(text).reason
    parse_model(text, schema=Schema.build(custom_attributes={"intent_topic": "text"}))


def test_checksum_ignores_comments_layout_quoting_and_descriptions() -> None:
    checksum = parse_model(MODEL).checksum
    same = (
        MODEL.replace("# A small model.", "# Edited comment.\n# Another.")
        .replace(
            "    when: seniority = 'vp'\n    points: 20", "    points: 20\n    when: seniority='vp'"
        )
        .replace("  A: 60\n  B: 40\n  C: 20", "  {C: 20, A: 60.0, B: 40}")
        .replace("    points: 10\n", "    points: 10  # ten\n    description: Pricing pages.\n")
        .replace("or did(demo_request, within=30d)", "or (did(demo_request, within=720h))")
    )
    assert "seniority='vp'" in same and "720h" in same
    assert parse_model(same).checksum == checksum


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("    points: 20", "    points: 21"),
        ("    cap: 30", "    cap: 31"),
        ("half_life: 14d", "half_life: 15d"),
        ("'/pricing'", "'/pricing/'"),
        ("  C: 20", "  C: 19"),
        ("version: 1.10", "version: 1.1"),
        ("grade in ['A1', 'A2']", "grade in ['A2', 'A1']"),
    ],
)
def test_checksum_changes_with_anything_that_decides_scores(old: str, new: str) -> None:
    assert parse_model(MODEL.replace(old, new)).checksum != parse_model(MODEL).checksum
