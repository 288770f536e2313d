"""The `[routing]` settings: teams, the territory fields, and the continuity rules."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from leadflow.sla.config import CalendarConfig

DEFAULT_TERRITORY_FIELDS = ["country", "region", "segment", "industry", "employees"]


class TeamConfig(CalendarConfig):
    """A sales team: which leads it covers, its manager, and its business calendar."""

    # e.g. {"region": ["EMEA"]}; empty covers every lead that no earlier team covers.
    territory: dict[str, list[Any]] = Field(default_factory=dict)
    # E-mail of the user who receives this team's escalations (default: the rep's manager).
    manager: str | None = None


class RoutingConfig(BaseModel):
    """How an MQL finds its rep: continuity, then territory, then round robin, else the queue."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    # Teams in order: a lead goes to the first whose territory it matches.
    teams: dict[str, TeamConfig] = Field(default_factory=dict)
    # The team for leads no team's territory matches; None: every sales rep is a candidate.
    default_team: str | None = None
    # Lead and account fields a territory may name; other keys in a territory are ignored.
    territory_fields: list[str] = Field(default_factory=lambda: list(DEFAULT_TERRITORY_FIELDS))
    # Give a lead to its previous owner or its account's owner when they are available.
    continuity: bool = True
    # The first rep given a lead of an account without an owner becomes the account's owner.
    claim_accounts: bool = True

    @model_validator(mode="after")
    def _known_default(self) -> RoutingConfig:
        if self.default_team is not None and self.teams and self.default_team not in self.teams:
            raise ValueError(f"default_team {self.default_team!r} is not one of the teams")
        return self
