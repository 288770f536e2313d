"""The `[sla]` settings: the default business calendar and a deadline policy per stage."""

from __future__ import annotations

from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from leadflow.sla.calendar import WEEKDAYS, parse_business_duration, parse_working_hours

Escalation = Literal["next_rep", "manager", "none"]


class SlaPolicy(BaseModel):
    """How long a stage may last, and who is told when it lasts longer."""

    model_config = ConfigDict(extra="forbid")

    within: str
    # next_rep: reassign to the next available rep (then the manager); manager: tell the
    # manager, the lead stays; none: only mark the breach.
    escalate: Escalation = "next_rep"
    # How many times one stage of one cycle is passed on before the manager is told instead.
    max_reassignments: int = Field(default=1, ge=0, le=20)

    @field_validator("within")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_business_duration(value)
        return value


class CalendarConfig(BaseModel):
    """Working hours, days, time zone and holidays; every field optional for team overrides."""

    model_config = ConfigDict(extra="forbid")

    time_zone: str | None = None
    working_hours: str | None = None
    working_days: list[str] | None = None
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    extra_holidays: list[date] = Field(default_factory=list)

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("working_hours")
    @classmethod
    def _hours(cls, value: str | None) -> str | None:
        if value is not None:
            parse_working_hours(value)
        return value

    @field_validator("working_days")
    @classmethod
    def _days(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        days = [day.strip().lower()[:3] for day in value]
        unknown = [day for day in days if day not in WEEKDAYS]
        if unknown or not days:
            raise ValueError(f"working_days: use names among {', '.join(WEEKDAYS)}")
        return days


def _default_policies() -> dict[str, SlaPolicy]:
    return {
        "mql": SlaPolicy(within="4 business hours", escalate="next_rep"),
        "sal": SlaPolicy(within="5 business days", escalate="manager"),
    }


class SlaConfig(CalendarConfig):
    """Deadlines per stage (by stored stage name) and the default business calendar."""

    enabled: bool = True
    policies: dict[str, SlaPolicy] = Field(default_factory=_default_policies)
    # Timers a sweeper claims and handles per transaction.
    batch_size: int = Field(default=50, ge=1, le=10_000)
    # Seconds between sweeps of `leadflow sla run` and the server's background sweeper.
    interval_seconds: float = Field(default=60.0, gt=0)
