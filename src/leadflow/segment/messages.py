"""The Segment HTTP tracking spec's messages, as Segment and RudderStack libraries send them.

Field names are the spec's (camelCase on the wire). Fields the spec defines that leadflow
does not use (`integrations`, `version`, `channel`, most of `context`) are accepted and
ignored, as Segment's own API does, so any library's payload is taken unchanged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic.alias_generators import to_camel

from leadflow.activities.models import Activity
from leadflow.leads.models import Lead
from leadflow.storage.times import in_utc
from leadflow.users.schemas import storable

# The spec's times carry an offset; one without is UTC. Read in UTC at once, so an offset
# that pushes a time out of the calendar is refused naming its field.
Moment = Annotated[datetime, AfterValidator(in_utc)]


def _column_length(model: Any, name: str) -> int:
    length: int = model.__table__.c[name].type.length
    return length


def _id_text(value: Any) -> Any:
    # Libraries send ids as text or numbers (analytics-python stringifies numbers itself).
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _empty_as_missing(value: Any) -> Any:
    return None if value == "" else value


def _id_schema(length: int) -> WithJsonSchema:
    """How an id is documented: text, or a number (kept as its text)."""
    text = {"type": "string", "minLength": 1, "maxLength": length}
    return WithJsonSchema({"anyOf": [text, {"type": "number"}]})


_USER_ID_LENGTH = _column_length(Lead, "external_id")
_ANONYMOUS_ID_LENGTH = _column_length(Activity, "anonymous_id")
_MESSAGE_ID_LENGTH = _column_length(Activity, "event_id")
UserId = Annotated[
    str,
    BeforeValidator(_id_text),
    storable(_USER_ID_LENGTH, 1),
    _id_schema(_USER_ID_LENGTH),
]
AnonymousId = Annotated[
    str,
    BeforeValidator(_id_text),
    storable(_ANONYMOUS_ID_LENGTH, 1),
    _id_schema(_ANONYMOUS_ID_LENGTH),
]
MessageId = Annotated[
    str,
    BeforeValidator(_id_text),
    storable(_MESSAGE_ID_LENGTH, 1),
    _id_schema(_MESSAGE_ID_LENGTH),
]


def _utm(column: str) -> StringConstraints:
    return storable(_column_length(Activity, column))


# An empty UTM parameter (`utm_term=`) is no parameter.
_NoEmpty = BeforeValidator(_empty_as_missing)
UtmCampaign = Annotated[Annotated[str, _utm("campaign")] | None, _NoEmpty]
UtmSource = Annotated[Annotated[str, _utm("source")] | None, _NoEmpty]
UtmMedium = Annotated[Annotated[str, _utm("medium")] | None, _NoEmpty]
UtmContent = Annotated[Annotated[str, _utm("content")] | None, _NoEmpty]
UtmTerm = Annotated[Annotated[str, _utm("term")] | None, _NoEmpty]
JsonObject = dict[str, Any]


class SegmentModel(BaseModel):
    """camelCase on the wire; unknown fields tolerated (the spec lets libraries add them)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")


class Campaign(SegmentModel):
    """`context.campaign`: the UTM parameters of the visit (`name` is utm_campaign)."""

    name: UtmCampaign = None
    source: UtmSource = None
    medium: UtmMedium = None
    content: UtmContent = None
    term: UtmTerm = None


class Context(SegmentModel):
    """`context`: what the library knows about the call; leadflow reads these parts."""

    campaign: Campaign | None = None
    # analytics.js puts the page here on every call: a track carries the page it came from.
    page: JsonObject | None = None
    # Traits of the user known at the time of a track or page (often the e-mail).
    traits: JsonObject | None = None
    ip: str | None = None
    user_agent: str | None = None


class Common(SegmentModel):
    """The fields every message shares."""

    message_id: MessageId | None = Field(
        default=None, description="The event's id: a message sent twice is stored once."
    )
    user_id: UserId | None = Field(default=None, description="The lead's external id.")
    anonymous_id: AnonymousId | None = Field(
        default=None, description="A visitor not yet identified; joined to the lead later."
    )
    timestamp: Moment | None = None
    original_timestamp: Moment | None = None
    sent_at: Moment | None = None
    received_at: Moment | None = None
    context: Context = Field(default_factory=Context)
    integrations: JsonObject = Field(default_factory=dict)

    @model_validator(mode="after")
    def _someone(self) -> Common:
        if self.user_id is None and self.anonymous_id is None:
            raise ValueError("a message needs a userId or an anonymousId")
        return self


class Identify(Common):
    """Who the user is: traits saved on the lead, and the anonymousId joined to it."""

    type: Literal["identify"] = "identify"
    traits: JsonObject = Field(default_factory=dict)


class Track(Common):
    """Something the user did: an activity whose type comes from the event name."""

    type: Literal["track"] = "track"
    event: Annotated[str, storable(200, 1)]
    properties: JsonObject = Field(default_factory=dict)


class Page(Common):
    """A page the user viewed: a `page_view` activity."""

    type: Literal["page"] = "page"
    name: Annotated[str, storable(200)] | None = None
    category: Annotated[str, storable(200)] | None = None
    properties: JsonObject = Field(default_factory=dict)


class Screen(Common):
    """A mobile screen the user viewed: a `screen_view` activity."""

    type: Literal["screen"] = "screen"
    name: Annotated[str, storable(200)] | None = None
    category: Annotated[str, storable(200)] | None = None
    properties: JsonObject = Field(default_factory=dict)


class Group(Common):
    """The user's company; accepted in a batch and ignored (accounts come from e-mail domains)."""

    type: Literal["group"]
    group_id: str | int | None = None
    traits: JsonObject = Field(default_factory=dict)


class Alias(SegmentModel):
    """Two ids of one user; accepted in a batch and ignored (identify links an anonymousId)."""

    type: Literal["alias"]
    previous_id: str | int | None = None
    user_id: str | int | None = None


Message = Annotated[Identify | Track | Page | Screen | Group | Alias, Field(discriminator="type")]
# The messages that change leads and activities; Group and Alias are accepted and skipped.
Applied = Identify | Track | Page | Screen


class Batch(SegmentModel):
    """`/v1/batch`: many messages; `context`, `integrations` and `sentAt` apply to each."""

    batch: list[Message] = Field(min_length=1)
    sent_at: Moment | None = None
    context: JsonObject | None = None
    integrations: JsonObject | None = None
    # Libraries also send the write key here; leadflow authenticates by the header only.
    write_key: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shared_context(cls, data: Any) -> Any:
        # The batch's context is merged into each message's; the message's own parts win.
        if not isinstance(data, dict) or not isinstance(data.get("context"), dict):
            return data
        messages = data.get("batch")
        if not isinstance(messages, list):
            return data
        shared = data["context"]
        merged = [
            {**message, "context": {**shared, **message.get("context", {})}}
            if isinstance(message, dict) and isinstance(message.get("context", {}), dict)
            else message
            for message in messages
        ]
        return {**data, "batch": merged}
