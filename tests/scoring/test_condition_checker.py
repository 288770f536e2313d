"""Checking conditions against the schema: unknown names and type errors are located errors."""

from __future__ import annotations

import pytest

from leadflow.scoring.errors import ScoringModelError, Source
from leadflow.scoring.language import Schema, Scope, check_condition, parse_condition

SCHEMA = Schema.build(
    custom_attributes={"lead_score_legacy": "number", "Company Size": "text"},
    custom_account_attributes={"tier": "text"},
    event_types=["pricing_calculator"],
    event_properties={"plan_name": "text"},
)


def check(text: str, scope: Scope) -> None:
    check_condition(parse_condition(text), scope, Source("<condition>", text))


def error(text: str, scope: Scope) -> ScoringModelError:
    with pytest.raises(ScoringModelError) as raised:
        check(text, scope)
    return raised.value


@pytest.mark.parametrize(
    "text",
    [
        "seniority in ['vp', 'c-level'] and account.employees >= 200",
        "lead_score_legacy > 10 and `Company Size` = '50-200' and account.tier = 'gold'",
        "is_free_email or email_domain endswith '.edu'",
        "created_at is not missing",
        "account.annual_revenue > 1e6 or account.industry is missing",
    ],
)
def test_known_names_and_matching_types_pass_in_fit_rules(text: str) -> None:
    check(text, SCHEMA.fit_scope())


def test_criteria_see_scores_and_events() -> None:
    check(
        "grade in ['A1', 'B1'] or fit >= 50 and engagement_band <= 2 and fit_band = 'A' "
        "or did(pricing_calculator where plan_name = 'pro', within=7d) "
        "or count(page_view where path startswith '/pricing') >= 3",
        SCHEMA.criteria_scope(),
    )


@pytest.mark.parametrize(
    ("text", "column", "reason"),
    [
        ("titel = 'cto'", 1, "unknown attribute 'titel'; did you mean 'title'?"),
        ("zzz = 1", 1, "unknown attribute 'zzz'"),
        ("account.employees >= '200'", 22, "cannot compare account.employees (number) with"),
        ("seniority > 'vp'", 1, "'>' needs numbers"),
        ("title contains 5", 16, "contains needs text on both sides; 5 is number"),
        ("account.employees in [1, 'x']", 26, "list item 'x' is text; expected number"),
        ("is_free_email in [true]", 1, "'in' needs text or a number"),
        ("title", 1, "expected a condition, got title, which is text"),
        ("title = null", 9, "write `name is missing`"),
        ("null", 1, "null is not a condition"),
        ("created_at = 'x'", 1, "datetimes support only `is missing`"),
        ("'x' is missing", 1, "is never missing"),
        ("fit > 10", 1, "scores are known only in the MQL criteria"),
        ("did(demo_request)", 1, "not allowed in a fit rule"),
    ],
)
def test_errors_in_a_fit_rule(text: str, column: int, reason: str) -> None:
    raised = error(text, SCHEMA.fit_scope())
    assert (raised.line, raised.column) == (1, column)
    assert reason in raised.reason


@pytest.mark.parametrize(
    ("text", "column", "reason"),
    [
        ("did(demo_requst)", 5, "unknown event type 'demo_requst'; did you mean 'demo_request'?"),
        (
            "did(page_view where pth = '/')",
            21,
            "unknown event property 'pth'; did you mean 'path'?",
        ),
        ("did(page_view where did(page_view))", 21, "not allowed in an event's where"),
        ("count(page_view)", 1, "compare it, as in count(...) >= 1"),
        ("count(page_view) is missing", 1, "is never missing (it is 0 when nothing matched)"),
        ("grade = 1", 9, "cannot compare grade (text) with 1 (number)"),
    ],
)
def test_errors_in_the_criteria(text: str, column: int, reason: str) -> None:
    raised = error(text, SCHEMA.criteria_scope())
    assert (raised.line, raised.column) == (1, column)
    assert reason in raised.reason


def test_engagement_where_sees_event_properties_only() -> None:
    check("path startswith '/pricing' and plan_name = 'pro'", SCHEMA.event_scope())
    raised = error("account.industry = 'x'", SCHEMA.event_scope())
    assert "unknown event property 'account.industry'" in raised.reason


def test_schema_refuses_custom_names_that_clash_or_have_unknown_types() -> None:
    with pytest.raises(ValueError, match="clashes"):
        Schema.build(custom_attributes={"title": "text"})
    with pytest.raises(ValueError, match="clashes"):
        Schema.build(custom_attributes={"grade": "text"})
    with pytest.raises(ValueError, match="expected one of text, number, boolean, datetime"):
        Schema.build(custom_attributes={"x": "string"})
