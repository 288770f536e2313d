"""The world's window is fixed by the spec, and its vocabularies agree with the identity rules."""

from datetime import UTC, date, datetime

import pytest

from leadflow.demo.marketing import lead_plan
from leadflow.demo.vocabulary import (
    COMPETITOR_DOMAINS,
    DISPOSABLE_DOMAINS,
    FREE_MAIL_DOMAINS,
    UNIVERSITIES,
)
from leadflow.demo.world import WorldSpec
from leadflow.errors import InvalidInputError
from leadflow.leads.identity import DomainRules


def test_default_window_is_the_twelve_months_up_to_the_fixed_end() -> None:
    spec = WorldSpec()
    assert (spec.start, spec.end) == (date(2025, 11, 1), date(2026, 10, 31))
    assert spec.starts_at == datetime(2025, 11, 1, tzinfo=UTC)
    assert spec.ends_at == datetime(2026, 11, 1, tzinfo=UTC)
    assert [(m.year, m.month) for m in spec.calendar()][:2] == [(2025, 11), (2025, 12)]
    assert sum(month.days for month in spec.calendar()) == spec.days == 365


def test_months_count_back_from_an_end_in_the_middle_of_a_month() -> None:
    spec = WorldSpec(months=3, end=date(2026, 3, 15))
    assert spec.start == date(2026, 1, 1)
    assert [month.days for month in spec.calendar()] == [31, 28, 15]


def test_instants_are_clamped_inside_the_window() -> None:
    spec = WorldSpec(months=1)
    assert spec.at(-3.0) == spec.starts_at
    assert spec.at(spec.days + 10.0) < spec.ends_at


@pytest.mark.parametrize(
    ("fields", "message"),
    [({"leads": 0}, "--leads"), ({"months": 0}, "--months"), ({"seed": -1}, "--seed")],
)
def test_impossible_specs_are_refused_naming_the_option(fields: dict, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        WorldSpec(**fields)


def test_the_monthly_plan_is_a_distribution_with_quiet_summers() -> None:
    spec = WorldSpec()
    plan = lead_plan(spec)
    assert plan.shape == (12, 9)
    assert plan.sum() == pytest.approx(1.0)
    by_month = dict(zip([m.month for m in spec.calendar()], plan.sum(axis=1), strict=True))
    assert by_month[8] < by_month[9]


def test_the_world_uses_domains_the_identity_rules_classify_as_intended() -> None:
    rules = DomainRules.default()
    assert all(rules.is_free_mail(domain) for domain, _ in FREE_MAIL_DOMAINS)
    assert all(rules.is_disposable(domain) for domain in DISPOSABLE_DOMAINS)
    companies = [*COMPETITOR_DOMAINS, *(university.domain for university in UNIVERSITIES)]
    assert all(rules.account_domain(f"x@{domain}") == domain for domain in companies)
