"""What the webhook routes take and answer: subscriptions (secrets only when made), deliveries
and replays."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from leadflow.api.pagination import DEFAULT_PAGE_SIZE, CursorText, IdParam, PageLimit
from leadflow.storage.times import in_utc
from leadflow.users.schemas import RowId, storable
from leadflow.webhooks.models import DeliveryStatus
from leadflow.webhooks.outbox import EVENT_TYPES
from leadflow.webhooks.service import ALL_EVENTS, MAX_URL_LENGTH

if TYPE_CHECKING:
    EventType = str
else:
    # The event types OpenAPI lists and the request is checked against, `*` for all.
    EventType = Literal[(ALL_EVENTS, *EVENT_TYPES)]

Url = Annotated[str, storable(MAX_URL_LENGTH, 1)]
Events = Annotated[list[EventType], Field(min_length=1, max_length=len(EVENT_TYPES) + 1)]
Description = Annotated[str, storable(500)]


class SubscriptionCreate(BaseModel):
    """A receiver and the event types it wants."""

    model_config = ConfigDict(extra="forbid")

    url: Url = Field(description="http:// or https://, with a host and no user or password.")
    events: Events = Field(description='Event types, or `["*"]` for every one.')
    description: Description | None = None


class SubscriptionUpdate(BaseModel):
    """The fields to change; `description: null` clears it."""

    model_config = ConfigDict(extra="forbid")

    url: Url | None = None
    events: Events | None = None
    description: Description | None = None


class SubscriptionRead(BaseModel):
    """A subscription as it is shown: never its secret."""

    id: int
    url: str
    events: list[str]
    active: bool
    description: str | None
    created_at: datetime
    previous_secret_expires_at: datetime | None = Field(
        description="After a rotation: until when the previous secret also signs."
    )


class SubscriptionWithSecret(SubscriptionRead):
    """A subscription with its signing secret: shown this once only."""

    secret: str = Field(description="`whsec_...`: verify signatures with it; not shown again.")


class Rotation(BaseModel):
    """How long the previous secret keeps signing beside the new one."""

    model_config = ConfigDict(extra="forbid")

    overlap_hours: float | None = Field(
        default=None,
        ge=0,
        le=24 * 30,
        description="Hours; default `[webhooks] rotation_overlap_hours` (24).",
    )


class DeliveryListParams(BaseModel):
    """Query parameters of `GET /webhooks/deliveries`: filters and a page, newest first."""

    model_config = ConfigDict(extra="forbid")

    status: DeliveryStatus | None = None
    event_type: EventType | None = None
    lead_id: IdParam | None = None
    subscription_id: IdParam | None = None
    limit: PageLimit = DEFAULT_PAGE_SIZE
    cursor: CursorText | None = None


class DeliveryRead(BaseModel):
    """One message to one subscription, and how its sending went."""

    id: int
    message_id: str = Field(description="The `webhook-id` header: the same on every retry.")
    subscription_id: int
    event_type: str
    lead_id: int | None
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    last_worker: str | None
    created_at: datetime
    delivered_at: datetime | None
    payload: dict[str, Any]


def _time_text(value: Any) -> Any:
    # JSON has no time type: a number would be read as seconds since 1970, surely a mistake.
    if not isinstance(value, str | datetime):
        raise ValueError("give a time as ISO 8601 text, such as 2026-05-04T09:00:00Z")
    return value


class ReplayRange(BaseModel):
    """Which finished deliveries to send again: the dead ones, or all since a time, or both."""

    model_config = ConfigDict(extra="forbid")

    dead: bool = Field(default=False, description="Every dead-lettered delivery.")
    since: Annotated[datetime, BeforeValidator(_time_text), AfterValidator(in_utc)] | None = Field(
        default=None,
        description="Delivered or dead ones created at or after this time (with `dead`: dead "
        "ones only). A time without a zone is UTC.",
    )
    subscription_id: RowId | None = Field(default=None, description="Only this subscription's.")

    @model_validator(mode="after")
    def _something_chosen(self) -> Self:
        if not self.dead and self.since is None:
            raise ValueError("give `dead: true`, `since`, or both")
        return self


class Replayed(BaseModel):
    """The deliveries queued again (pending ones are already queued and left out)."""

    queued: int
    delivery_ids: list[int]
