"""The whole demo world as plain rows: companies, team and spend at once, leads in chunks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from leadflow.demo.accounts import AccountBook, make_accounts
from leadflow.demo.activity import ActivityMaker
from leadflow.demo.intent import draw_intent
from leadflow.demo.marketing import spend_rows
from leadflow.demo.people import PeopleMaker
from leadflow.demo.team import SalesTeam, make_team
from leadflow.demo.touches import Event
from leadflow.demo.truth import draw_truth
from leadflow.demo.world import WorldSpec
from leadflow.leads.identity import DomainRules

DEFAULT_CHUNK_LEADS = 2_000


@dataclass(frozen=True)
class SimulatedLead:
    """One lead with everything that belongs to it; `account` indexes the world's accounts."""

    key: int
    row: dict[str, Any]
    account: int | None
    activities: list[dict[str, Any]]
    truth: dict[str, Any]


@dataclass(frozen=True)
class World:
    """The parts of the world that are small enough to hold at once."""

    spec: WorldSpec
    rules: DomainRules
    accounts: AccountBook
    team: SalesTeam
    spend: list[dict[str, Any]]


def make_world(spec: WorldSpec, *, rules: DomainRules | None = None) -> World:
    """Companies, sales team and spend for a spec; leads come from `iter_leads`."""
    return World(
        spec=spec,
        rules=rules or DomainRules.default(),
        accounts=make_accounts(spec),
        team=make_team(spec),
        spend=spend_rows(spec),
    )


def _activity_row(spec: WorldSpec, key: int, number: int, event: Event) -> dict[str, Any]:
    at = spec.at(event.day)
    utm = event.utm
    return {
        "event_id": f"demo-{spec.seed}-{key}-{number}",
        "type": event.type,
        "occurred_at": at,
        "received_at": at,
        "anonymous_id": None,
        "properties": event.properties,
        "source": utm.source if utm else None,
        "medium": utm.medium if utm else None,
        "campaign": utm.campaign if utm else None,
        "content": utm.content if utm else None,
        "term": utm.term if utm else None,
    }


def iter_leads(world: World) -> Iterator[SimulatedLead]:
    """Every lead in order; lead k is the same whatever is done with the others."""
    spec = world.spec
    people = PeopleMaker(spec=spec, book=world.accounts, rules=world.rules)
    activity = ActivityMaker(spec=spec)
    for key in range(spec.leads):
        rng = spec.lead_rng(key)
        person = people.make(rng)
        intent = draw_intent(person, rng)
        events = activity.events(person, intent, rng)
        truth = draw_truth(spec=spec, book=world.accounts, person=person, intent=intent, rng=rng)
        yield SimulatedLead(
            key=key,
            row=person.row,
            account=person.account,
            activities=[_activity_row(spec, key, n, event) for n, event in enumerate(events)],
            truth=truth,
        )


def iter_chunks(
    world: World, *, chunk_leads: int = DEFAULT_CHUNK_LEADS
) -> Iterator[list[SimulatedLead]]:
    """The leads in lists of `chunk_leads`: only one chunk is in memory at a time."""
    if chunk_leads < 1:
        raise ValueError(f"chunk_leads must be at least 1, got {chunk_leads}")
    leads = iter_leads(world)
    while chunk := list(islice(leads, chunk_leads)):
        yield chunk


@dataclass
class WorldSummary:
    """What a world holds, counted as its leads stream past."""

    spec: WorldSpec
    accounts: int
    managers: int
    reps: int
    spend_total: float
    leads: int = 0
    activities: int = 0
    profiles: Counter[str] = field(default_factory=Counter)
    sources: Counter[str] = field(default_factory=Counter)
    would_accept: int = 0
    would_qualify: int = 0
    would_open_opportunity: int = 0
    would_win: int = 0
    pipeline: float = 0.0
    won: float = 0.0
    buyer_example: str | None = None
    job_seeker_example: str | None = None

    @classmethod
    def of(cls, world: World) -> WorldSummary:
        """An empty count for a world's leads, with its companies, team and spend."""
        return cls(
            spec=world.spec,
            accounts=len(world.accounts.rows),
            managers=len(world.team.managers),
            reps=len(world.team.reps),
            spend_total=round(sum(row["amount"] for row in world.spend), 2),
        )

    def add(self, lead: SimulatedLead) -> None:
        """Count one lead."""
        truth = lead.truth
        self.leads += 1
        self.activities += len(lead.activities)
        self.profiles[truth["profile"]] += 1
        self.sources[lead.row["source"]] += 1
        self.would_accept += truth["would_accept"]
        self.would_qualify += truth["would_qualify"]
        self.would_open_opportunity += truth["would_open_opportunity"]
        self.would_win += truth["would_win"]
        amount = truth["opportunity_amount"] or 0.0
        self.pipeline += amount
        self.won += amount if truth["would_win"] else 0.0
        if truth["would_win"] and lead.account is not None and self.buyer_example is None:
            self.buyer_example = lead.row["email"]
        if truth["profile"] == "job_seeker" and self.job_seeker_example is None:
            self.job_seeker_example = lead.row["email"]
