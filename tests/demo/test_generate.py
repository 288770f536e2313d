"""What the generated world promises: unique identities, times in the window, links that
follow the identity rules, believable rates, and truth a good score can find."""

from __future__ import annotations

from collections import Counter
from statistics import mean, median

import numpy as np
import pytest

from leadflow.demo.accounts import segment_of
from leadflow.demo.generate import SimulatedLead, World, iter_leads, make_world
from leadflow.demo.marketing import SOURCES
from leadflow.demo.vocabulary import COMPETITOR_DOMAINS
from leadflow.demo.world import TIRE_KICKERS, WorldSpec
from leadflow.leads.identity import DomainRules

SPEC = WorldSpec(leads=3_000, seed=42)
PAID = {source.name for source in SOURCES if source.cost_per_lead}


@pytest.fixture(scope="module")
def world() -> World:
    return make_world(SPEC)


@pytest.fixture(scope="module")
def leads(world: World) -> list[SimulatedLead]:
    return list(iter_leads(world))


def _auc(score: list[float], positive: list[bool]) -> float:
    """Probability that a random positive outscores a random negative (ties count half)."""
    values = np.asarray(score, dtype=float)
    labels = np.asarray(positive, dtype=bool)
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    ranks = np.cumsum(counts) - (counts - 1) / 2  # average rank of each distinct value
    positives = ranks[inverse][labels].sum()
    n_pos, n_neg = labels.sum(), (~labels).sum()
    return float((positives - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _count(lead: SimulatedLead, *types: str, path: str | None = None) -> int:
    return sum(
        1
        for a in lead.activities
        if a["type"] in types and (path is None or a["properties"]["path"].startswith(path))
    )


def test_auc_helper_is_right_on_a_known_case() -> None:
    assert _auc([1, 2, 3, 4], [False, False, True, True]) == 1.0
    assert _auc([1, 1, 1, 1], [False, True, False, True]) == 0.5


def test_emails_and_event_ids_are_unique(leads: list[SimulatedLead]) -> None:
    emails = [lead.row["email"] for lead in leads]
    event_ids = [a["event_id"] for lead in leads for a in lead.activities]
    assert len(set(emails)) == len(emails)
    assert len(set(event_ids)) == len(event_ids)


def test_every_time_is_inside_the_window_and_after_the_lead_arrived(
    leads: list[SimulatedLead],
) -> None:
    for lead in leads:
        created = lead.row["created_at"]
        assert SPEC.starts_at <= created < SPEC.ends_at
        times = [a["occurred_at"] for a in lead.activities]
        assert times == sorted(times)
        assert all(created <= t < SPEC.ends_at for t in times)


def test_accounts_link_exactly_as_the_identity_rules_say(
    world: World, leads: list[SimulatedLead]
) -> None:
    rules = DomainRules.default()
    by_domain = {row["domain"]: i for i, row in enumerate(world.accounts.rows)}
    for lead in leads:
        row = lead.row
        domain = row["email"].split("@")[1]
        assert row["email_domain"] == domain
        assert row["is_free_email"] == rules.is_free_mail(domain)
        assert row["is_disposable_email"] == rules.is_disposable(domain)
        if row["is_free_email"] or row["is_disposable_email"]:
            assert lead.account is None
        else:
            assert lead.account == by_domain[domain]
            assert row["company"] == world.accounts.rows[lead.account]["name"]
    kinds = Counter((r.row["is_free_email"], r.account is None) for r in leads)
    assert kinds[(True, True)] > 200 and kinds[(False, False)] > 2_000


def test_a_deployments_extra_free_mail_domain_gets_no_account() -> None:
    spec = WorldSpec(leads=300, seed=SPEC.seed)
    linked = (lead for lead in iter_leads(make_world(spec)) if lead.account is not None)
    domain = next(linked).row["email_domain"]
    world = make_world(spec, rules=DomainRules.default(extra_free_mail=[domain]))
    at_domain = [lead for lead in iter_leads(world) if lead.row["email_domain"] == domain]
    assert at_domain
    assert all(lead.account is None and lead.row["is_free_email"] for lead in at_domain)


def test_accounts_are_unique_companies_with_consistent_firmographics(world: World) -> None:
    rules = DomainRules.default()
    domains = [row["domain"] for row in world.accounts.rows]
    assert len(set(domains)) == len(domains) == SPEC.accounts + 15
    assert all(rules.account_domain(f"a@{domain}") == domain for domain in domains)
    assert set(COMPETITOR_DOMAINS) <= set(domains)
    for row in world.accounts.rows:
        assert row["segment"] == segment_of(row["employees"])
        assert row["region"] in {"NA", "EMEA", "APAC", "LATAM"}
    segments = Counter(row["segment"] for row in world.accounts.rows)
    assert segments["SMB"] > segments["mid-market"] > segments["enterprise"] > 20


def test_the_first_touch_is_the_leads_own_source(leads: list[SimulatedLead]) -> None:
    for lead in leads:
        first = lead.activities[0]
        assert first["occurred_at"] == lead.row["created_at"]
        assert (first["source"], first["medium"], first["campaign"]) == (
            lead.row["source"],
            lead.row["medium"],
            lead.row["campaign"],
        )


def test_rates_are_believable(leads: list[SimulatedLead]) -> None:
    n = len(leads)
    truth = [lead.truth for lead in leads]
    share = {key: sum(t[key] for t in truth) / n for key in ("would_accept", "would_win")}
    assert 0.08 <= share["would_accept"] <= 0.18
    assert 0.008 <= share["would_win"] <= 0.04
    assert 0.12 <= sum(t["profile"] in TIRE_KICKERS for t in truth) / n <= 0.30
    assert 20 <= sum(len(lead.activities) for lead in leads) / n <= 40
    opportunities = [t for t in truth if t["would_open_opportunity"]]
    assert 0.15 <= sum(t["would_win"] for t in opportunities) / len(opportunities) <= 0.45
    assert 5_000 <= median(t["opportunity_amount"] for t in opportunities) <= 150_000


def test_each_outcome_needs_the_one_before_and_tire_kickers_never_buy(
    leads: list[SimulatedLead],
) -> None:
    for lead in leads:
        t = lead.truth
        assert t["would_win"] <= t["would_open_opportunity"] <= t["would_qualify"]
        assert t["would_qualify"] <= t["would_accept"]
        assert (t["opportunity_amount"] is not None) == t["would_open_opportunity"]
        if t["profile"] in TIRE_KICKERS:
            assert not t["would_accept"] and not t["would_win"]
            assert t["peak_intent"] == 0.0


def test_buyers_look_at_pricing_and_ask_for_demos_more_than_tire_kickers(
    leads: list[SimulatedLead],
) -> None:
    def per_lead(profiles: set[str], *types: str, path: str | None = None) -> float:
        group = [lead for lead in leads if lead.truth["profile"] in profiles]
        return mean(_count(lead, *types, path=path) for lead in group)

    buyers = {"buyer"}
    assert per_lead(buyers, "page_view", path="/pricing") > 1.5 * per_lead(
        set(TIRE_KICKERS), "page_view", path="/pricing"
    )
    assert per_lead(buyers, "demo_request") > 2 * per_lead(set(TIRE_KICKERS), "demo_request")
    # ...while job seekers live on the careers pages and students download.
    assert per_lead({"job_seeker"}, "page_view", path="/careers") > 10 * per_lead(
        buyers, "page_view", path="/careers"
    )
    assert per_lead({"student"}, "content_download") > 2 * per_lead(buyers, "content_download")


def test_pricing_views_of_buyers_come_near_their_intent_peak(leads: list[SimulatedLead]) -> None:
    pricing, reading = [], []
    for lead in leads:
        if lead.truth["profile"] != "buyer" or lead.truth["peak_intent"] < 0.3:
            continue
        peak = lead.truth["intent_peak_at"]
        for a in lead.activities:
            if a["type"] == "page_view":
                days = abs((a["occurred_at"] - peak).total_seconds()) / 86_400
                is_pricing = a["properties"]["path"].startswith("/pricing")
                (pricing if is_pricing else reading).append(days)
    assert median(pricing) < 0.8 * median(reading)


def test_a_good_score_finds_the_customers_and_a_poor_one_does_not(
    leads: list[SimulatedLead],
) -> None:
    won = [lead.truth["would_win"] for lead in leads]
    hidden = [lead.truth["hidden_fit"] * lead.truth["peak_intent"] for lead in leads]

    def good(lead: SimulatedLead) -> float:
        row = lead.row
        junk = row["is_disposable_email"] or row["email_domain"] in COMPETITOR_DOMAINS
        if junk or row["seniority"] == "student":
            return 0.0
        seniority = {"executive": 3, "vp": 3, "director": 2, "manager": 1}
        return (
            seniority.get(row["seniority"], 0)
            + _count(lead, "page_view", path="/pricing")
            + 5 * _count(lead, "demo_request", "contact_request")
        )

    good_auc = _auc([good(lead) for lead in leads], won)
    busy_auc = _auc([len(lead.activities) for lead in leads], won)
    assert _auc(hidden, won) > 0.9
    assert good_auc > 0.8
    assert good_auc > busy_auc + 0.1


def test_the_sales_team_covers_every_region(world: World) -> None:
    team = world.team
    emails = [user["email"] for user in [*team.managers, *team.reps]]
    assert len(set(emails)) == len(emails) == 18
    regions = {rep["territory"]["region"][0] for rep in team.reps}
    assert regions == {"NA", "EMEA", "APAC", "LATAM"}
    for rep, manager in zip(team.reps, team.rep_managers, strict=True):
        assert rep["role"] == "sales" and rep["capacity"] > 0
        assert team.managers[manager]["territory"]["region"] == rep["territory"]["region"]
    away = [rep for rep in team.reps if rep["out_of_office_until"] is not None]
    assert len(away) == 2 and all(rep["out_of_office_until"] > SPEC.ends_at for rep in away)


def test_spend_covers_every_paid_source_every_month_at_believable_cost(
    world: World, leads: list[SimulatedLead]
) -> None:
    months = {(row["source"], row["period_start"]) for row in world.spend}
    assert len(months) == len(PAID) * SPEC.months
    assert all(row["amount"] > 0 for row in world.spend)
    assert all(
        SPEC.start <= row["period_start"] <= row["period_end"] <= SPEC.end for row in world.spend
    )
    paid_leads = Counter(lead.row["source"] for lead in leads if lead.row["source"] in PAID)
    for source in PAID:
        cost = sum(row["amount"] for row in world.spend if row["source"] == source)
        assert 40 <= cost / paid_leads[source] <= 900, source
