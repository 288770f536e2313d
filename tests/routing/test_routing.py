"""Routing: continuity, territory, fairness, capacity, out of office, and the team queue."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from leadflow.config import Settings
from leadflow.lifecycle import service
from leadflow.lifecycle.flows import handoff
from leadflow.routing.models import LeadAssignment

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
H = timedelta(hours=1)


def _handoff(world: Any, lead: Any, settings: Settings, at: datetime = T0) -> Any:
    return handoff(session=world.session, lead=lead, at=at, settings=settings)


def test_an_account_keeps_its_owner(world: Any, settings: Settings) -> None:
    world.user("first@x.com")
    owner = world.user("owner@x.com")
    acme = world.account("acme.com", owner_id=owner.id)
    lead = world.lead("ann@acme.com", account_id=acme.id)
    done = _handoff(world, lead, settings)
    assert lead.owner_id == owner.id
    assert done.assignment.method == "account_owner"


def test_the_first_rep_claims_an_unowned_account(world: Any, settings: Settings) -> None:
    reps = [world.user(f"r{i}@x.com") for i in range(3)]
    acme = world.account("acme.com")
    first = world.lead("a@acme.com", account_id=acme.id)
    _handoff(world, first, settings)
    assert acme.owner_id == reps[0].id
    second = world.lead("b@acme.com", account_id=acme.id)
    _handoff(world, second, settings)
    assert second.owner_id == reps[0].id


def test_continuity_skips_an_owner_who_is_away_or_gone(world: Any, settings: Settings) -> None:
    away = world.user("away@x.com", out_of_office_until=T0 + 24 * H)
    gone = world.user("gone@x.com", active=False)
    stand_in = world.user("in@x.com")
    lead = world.lead("a@acme.com", account_id=world.account("acme.com", owner_id=away.id).id)
    other = world.lead("b@beta.com", account_id=world.account("beta.com", owner_id=gone.id).id)
    _handoff(world, lead, settings)
    _handoff(world, other, settings)
    assert (lead.owner_id, other.owner_id) == (stand_in.id, stand_in.id)


def test_a_recycled_lead_returns_to_its_previous_owner(world: Any, settings: Settings) -> None:
    reps = [world.user(f"r{i}@x.com") for i in range(3)]
    lead = world.lead("a@acme.com")
    _handoff(world, lead, settings)
    service.reject_lead(
        session=world.session, lead=lead, reason="not_ready", at=T0 + H, settings=settings
    )
    for i in range(2):
        _handoff(world, world.lead(f"x{i}@y.com"), settings)
    done = _handoff(world, lead, settings, at=T0 + 30 * H)
    assert (lead.owner_id, lead.cycle, done.assignment.method) == (reps[0].id, 2, "previous_owner")


def test_territory_picks_the_most_specific_rep(world: Any, settings: Settings) -> None:
    general = world.user("general@x.com")
    emea = world.user("emea@x.com", territory={"region": ["EMEA"]})
    big_emea = world.user(
        "big@x.com", territory={"region": ["emea"], "employees": ["1000+", "500-999"]}
    )
    dach = world.user("dach@x.com", territory={"country": ["DE", "AT", "CH"]})
    cases = [
        ({"region": "EMEA", "employees": 5000}, big_emea),
        ({"region": "EMEA", "employees": 600}, big_emea),
        ({"region": "EMEA", "employees": 40}, emea),
        ({"region": "EMEA", "country": "AT"}, dach),
        ({"region": "NA", "country": "US"}, general),
    ]
    for i, (facts, expected) in enumerate(cases):
        lead_facts = {k: v for k, v in facts.items() if k in ("region", "country")}
        account = world.account(f"c{i}.com", employees=facts.get("employees"))
        lead = world.lead(f"p{i}@c{i}.com", account_id=account.id, **lead_facts)
        settings.routing.claim_accounts = False
        done = _handoff(world, lead, settings)
        assert lead.owner_id == expected.id, (facts, done.assignment.method)
    methods = Counter(a.method for a in world.session.scalars(select(LeadAssignment)))
    assert methods == {"territory": 4, "round_robin": 1}


def test_teams_split_leads_by_their_territory(world: Any, settings_with: Any) -> None:
    settings = settings_with(
        routing={
            "teams": {
                "emea": {"territory": {"region": ["EMEA"]}, "time_zone": "Europe/Berlin"},
                "na": {"territory": {"country": ["US", "CA"]}},
            },
            "default_team": "na",
        }
    )
    berlin = world.user("berlin@x.com", team="emea")
    boston = world.user("boston@x.com", team="na")
    a = world.lead("a@a.de", region="EMEA")
    b = world.lead("b@b.com", country="US")
    c = world.lead("c@c.br", country="BR")
    for lead in (a, b, c):
        _handoff(world, lead, settings)
    assert (a.owner_id, b.owner_id, c.owner_id) == (berlin.id, boston.id, boston.id)


def test_round_robin_spreads_leads_evenly_in_turn(world: Any, settings: Settings) -> None:
    reps = [world.user(f"r{i}@x.com") for i in range(4)]
    owners = []
    for i in range(20):
        lead = world.lead(f"l{i}@free{i}.com")
        _handoff(world, lead, settings, at=T0 + i * timedelta(minutes=1))
        owners.append(lead.owner_id)
    assert owners == [rep.id for rep in reps] * 5
    assert set(Counter(owners).values()) == {5}


def test_capacity_counts_open_mqls_only(world: Any, settings: Settings) -> None:
    small = world.user("small@x.com", capacity=1)
    big = world.user("big@x.com", capacity=3)
    leads = [world.lead(f"l{i}@x{i}.com") for i in range(4)]
    for lead in leads:
        _handoff(world, lead, settings)
    assert [lead.owner_id for lead in leads] == [small.id, big.id, big.id, big.id]
    # A lead the small rep disqualifies frees a place; a qualified one would too.
    service.disqualify_lead(
        session=world.session, lead=leads[0], reason="junk", at=T0 + H, settings=settings
    )
    fifth = world.lead("l5@x5.com")
    _handoff(world, fifth, settings, at=T0 + H)
    assert fifth.owner_id == small.id


def test_out_of_office_reps_are_skipped_until_they_return(world: Any, settings: Settings) -> None:
    away = world.user("away@x.com", out_of_office_until=T0 + 2 * H)
    here = world.user("here@x.com")
    first = world.lead("a@a.com")
    _handoff(world, first, settings)
    later = world.lead("b@b.com")
    _handoff(world, later, settings, at=T0 + 3 * H)
    assert (first.owner_id, later.owner_id) == (here.id, away.id)


def test_nobody_available_leaves_the_lead_in_the_team_queue(world: Any, settings_with: Any) -> None:
    settings = settings_with(routing={"teams": {"emea": {"territory": {"region": ["EMEA"]}}}})
    world.user("full@x.com", team="emea", capacity=0)
    world.user("away@x.com", team="emea", out_of_office_until=T0 + 24 * H)
    world.user("other-team@x.com", team="na")
    lead = world.lead("a@a.de", region="EMEA")
    done = _handoff(world, lead, settings)
    assert lead.owner_id is None
    assert (done.assignment.method, done.assignment.team) == ("queue", "emea")
    [event] = world.events("routing.unassigned")
    assert event["data"]["team"] == "emea"
    assert event["data"]["note"] == "every matching rep is full or away"
    assert event["data"]["brief"]["lead"]["email"] == "a@a.de"
    assert world.events("lead.assigned") == []
    assert done.timer is not None and done.timer.team == "emea"
