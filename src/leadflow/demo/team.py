"""The simulated vendor's sales team: a manager per region and reps with territories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, NamedTuple

from leadflow.demo.vocabulary import FIRST_NAMES, LAST_NAMES, VENDOR_DOMAIN
from leadflow.demo.world import WorldSpec
from leadflow.users.models import Role


class Seat(NamedTuple):
    """A rep's place: region, the segments covered, most open MQLs at once, time zone."""

    region: str
    segments: tuple[str, ...]
    capacity: int
    time_zone: str


MANAGER_TIME_ZONES = {
    "NA": "America/New_York",
    "EMEA": "Europe/London",
    "APAC": "Australia/Sydney",
    "LATAM": "America/Sao_Paulo",
}
SEATS = (
    Seat("NA", ("enterprise",), 20, "America/New_York"),
    Seat("NA", ("enterprise",), 20, "America/Chicago"),
    Seat("NA", ("mid-market",), 30, "America/Chicago"),
    Seat("NA", ("mid-market",), 30, "America/Los_Angeles"),
    Seat("NA", ("SMB",), 45, "America/Denver"),
    Seat("EMEA", ("enterprise",), 20, "Europe/London"),
    Seat("EMEA", ("mid-market", "enterprise"), 25, "Europe/Berlin"),
    Seat("EMEA", ("mid-market",), 30, "Europe/Paris"),
    Seat("EMEA", ("SMB",), 45, "Europe/Amsterdam"),
    Seat("APAC", ("mid-market", "enterprise"), 25, "Australia/Sydney"),
    Seat("APAC", ("mid-market",), 30, "Asia/Singapore"),
    Seat("APAC", ("SMB",), 40, "Asia/Kolkata"),
    Seat("LATAM", ("mid-market", "enterprise"), 25, "America/Sao_Paulo"),
    Seat("LATAM", ("SMB",), 40, "America/Mexico_City"),
)
# Two reps are away when the world ends, back this many days later.
_AWAY_DAYS = (4, 9)


@dataclass(frozen=True)
class SalesTeam:
    """Managers (one per region) and reps, as users rows; a rep names its manager's index."""

    managers: list[dict[str, Any]]
    reps: list[dict[str, Any]]
    rep_managers: list[int]


def _user(spec: WorldSpec, first: str, last: str, **fields: Any) -> dict[str, Any]:
    local = f"{first}.{last}".lower().replace("'", "").replace(" ", "")
    return {
        "email": f"{local}@{VENDOR_DOMAIN}",
        "name": f"{first} {last}",
        "manager_id": None,
        "out_of_office_until": None,
        "active": True,
        "created_at": spec.starts_at,
        **fields,
    }


def make_team(spec: WorldSpec) -> SalesTeam:
    """The sales team; names and who is away come from the seed."""
    rng = spec.team_rng()
    regions = list(MANAGER_TIME_ZONES)
    pairs = rng.choice(
        len(FIRST_NAMES) * len(LAST_NAMES), size=len(regions) + len(SEATS), replace=False
    )
    names = [divmod(int(pair), len(LAST_NAMES)) for pair in pairs]
    people = [(FIRST_NAMES[first], LAST_NAMES[last]) for first, last in names]
    managers = [
        _user(
            spec,
            *people[i],
            role=Role.MANAGER.value,
            team=f"Sales {region}",
            territory={"region": [region]},
            capacity=None,
            time_zone=MANAGER_TIME_ZONES[region],
        )
        for i, region in enumerate(regions)
    ]
    away = rng.choice(len(SEATS), size=len(_AWAY_DAYS), replace=False)
    reps = []
    for i, seat in enumerate(SEATS):
        rep = _user(
            spec,
            *people[len(regions) + i],
            role=Role.SALES.value,
            team=f"Sales {seat.region}",
            territory={"region": [seat.region], "segment": list(seat.segments)},
            capacity=seat.capacity,
            time_zone=seat.time_zone,
        )
        if i in away:
            days = _AWAY_DAYS[list(away).index(i)]
            rep["out_of_office_until"] = spec.ends_at + timedelta(days=days)
        reps.append(rep)
    return SalesTeam(
        managers=managers,
        reps=reps,
        rep_managers=[regions.index(seat.region) for seat in SEATS],
    )
