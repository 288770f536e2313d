"""What goes in and out for users and API keys: validated the same for the CLI and the API."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Annotated
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    field_validator,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import ErrorDetails

from leadflow.leads.identity import normalize_email
from leadflow.users.models import Role

# The largest id either database stores (PostgreSQL BIGINT, SQLite INTEGER).
MAX_ID = 2**63 - 1
# Numbers in a JSON body are strict: `true` or "7" is not an id or a capacity.
RowId = Annotated[int, Strict(), Field(ge=1, le=MAX_ID)]


def storable(max_length: int, min_length: int = 0) -> StringConstraints:
    """Text the store can keep: bounded, and without NUL, which PostgreSQL refuses.

    Pydantic already refuses lone surrogates (not Unicode); the pattern shows clients the rest.
    """
    return StringConstraints(min_length=min_length, max_length=max_length, pattern=r"^[^\x00]*$")


def reason_of(error: ErrorDetails) -> str:
    """Why a value was refused, without Pydantic's "Value error, " preamble."""
    if error["type"] == "value_error" and "error" in error.get("ctx", {}):
        return str(error["ctx"]["error"])
    return error["msg"]


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _time_zone(value: str) -> str:
    if value not in _time_zones():
        raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Europe/Berlin")
    return value


Email = Annotated[str, storable(320, 3), AfterValidator(normalize_email)]
PersonName = Annotated[str, storable(200, 1)]
Team = Annotated[str, storable(100, 1)]
TimeZone = Annotated[str, storable(64, 1), AfterValidator(_time_zone)]
Capacity = Annotated[int, Strict(), Field(ge=0, le=100_000)]
TerritoryKey = Annotated[str, storable(100, 1)]
TerritoryValue = Annotated[str, storable(200)]
# Which leads a rep covers, e.g. {"region": ["EMEA"], "segment": ["mid-market"]}.
Territory = Annotated[
    dict[TerritoryKey, Annotated[list[TerritoryValue], Field(max_length=1_000)]],
    Field(max_length=100),
]
KeyName = Annotated[str, storable(100, 1)]


class UserCreate(BaseModel):
    """A new user: a rep (sales), their manager, marketing, or an admin."""

    model_config = ConfigDict(extra="forbid")

    email: Email
    name: PersonName
    role: Role = Role.SALES
    team: Team | None = None
    manager_id: RowId | None = None
    capacity: Capacity | None = Field(default=None, description="Most open MQLs; none: no limit.")
    territory: Territory = Field(default_factory=dict)
    time_zone: TimeZone = "UTC"


class UserUpdate(BaseModel):
    """Changes to a user: fields left out stay; null clears team, manager and capacity."""

    model_config = ConfigDict(extra="forbid")

    name: PersonName | SkipJsonSchema[None] = None
    role: Role | SkipJsonSchema[None] = None
    team: Team | None = None
    manager_id: RowId | None = None
    capacity: Capacity | None = Field(default=None, description="Most open MQLs; null: no limit.")
    territory: Territory | SkipJsonSchema[None] = None
    time_zone: TimeZone | SkipJsonSchema[None] = None

    @field_validator("name", "role", "territory", "time_zone")
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Runs only for fields the request names: an explicit null cannot clear these.
        if value is None:
            raise ValueError("cannot be null; leave the field out to keep its value")
        return value


class UserRead(BaseModel):
    """A user as the API and `--format json` show it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    role: Role
    team: str | None
    manager_id: int | None
    capacity: int | None
    territory: dict[str, list[str]]
    time_zone: str
    out_of_office_until: datetime | None
    active: bool
    created_at: datetime


class ApiKeyCreate(BaseModel):
    """A new key for a user; it acts with that user's role."""

    model_config = ConfigDict(extra="forbid")

    user_id: RowId
    name: KeyName | None = None


class ApiKeyRead(BaseModel):
    """A key as listings show it: never the secret."""

    model_config = ConfigDict(from_attributes=True)

    prefix: str
    name: str | None
    user_id: int
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    """A key just made: the only time its full value is shown."""

    key: str = Field(description="The full key; it is shown once and cannot be recovered.")
