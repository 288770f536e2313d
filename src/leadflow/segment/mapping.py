"""A Segment message in leadflow's terms: the lead profile it sets, the activity it stores,
and whether it ties its anonymousId to a known lead."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from leadflow.importing.activities import ACTIVITY_SPEC
from leadflow.importing.leads import LEAD_SPEC
from leadflow.segment.config import SegmentConfig, snake_case
from leadflow.segment.messages import Applied, Identify, Page, Screen, Track

# Custom names leadflow keeps for itself get this prefix, so no value sent is lost.
RESERVED_PREFIX = "segment_"
# Lead fields a trait may set by name; the rest are leadflow's own (ids, created_at).
PROFILE_FIELDS = frozenset(LEAD_SPEC.fields) - {"email", "external_id", "created_at"}
_LEAD_NAMES = frozenset(LEAD_SPEC.fields) | frozenset(LEAD_SPEC.reserved)
_ACTIVITY_NAMES = frozenset(ACTIVITY_SPEC.fields) | frozenset(ACTIVITY_SPEC.reserved)
# Nested traits of the spec whose parts are lead fields: address.city is the lead's city.
_NESTED_TRAITS = {"address": {"city": "city", "country": "country"}, "company": {"name": "company"}}
_UTM = (("source", "source"), ("medium", "medium"), ("campaign", "name"))
_UTM_EXTRA = (("content", "content"), ("term", "term"))
_ACTIVITY_TYPES = {Identify: "identify", Page: "page_view", Screen: "screen_view"}


class MessageProblem(Exception):
    """A message leadflow cannot take, naming the message field and why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Mapped:
    """One message as records of the ingestion service, with where each record field came
    from in the message (`paths`), so a refusal names what the sender sent."""

    index: int
    profile: dict[str, Any] | None  # a lead to create or update (identify, or a userId)
    event: dict[str, Any]  # the activity to store; an identify is stored as one too
    anonymous_id: str | None
    identified: bool  # the message names its lead (userId or e-mail) as well
    paths: dict[str, str] = field(default_factory=dict)


def occurred_at(
    message: Applied, *, received_at: datetime, batch_sent_at: datetime | None = None
) -> datetime:
    """When the event happened, per the spec: `timestamp` as sent; else `originalTimestamp`
    moved by the sender's clock skew (receivedAt - sentAt); else the moment of receipt.
    Never after receipt: a clock running fast cannot put an event in the future."""
    sent_at = message.sent_at or batch_sent_at
    if message.timestamp is not None:
        moment = _utc(message.timestamp)
    elif message.original_timestamp is not None:
        moment = _utc(message.original_timestamp)
        if sent_at is not None:
            try:
                moment = received_at - (_utc(sent_at) - moment)
            except OverflowError as exc:
                reason = "sentAt and originalTimestamp are too far apart to correct the clock skew"
                raise MessageProblem("originalTimestamp", reason) from exc
    else:
        moment = received_at
    return min(moment, received_at)


def map_message(
    message: Applied,
    *,
    index: int,
    config: SegmentConfig,
    received_at: datetime,
    batch_sent_at: datetime | None = None,
) -> Mapped:
    """The records one identify, track, page or screen message stands for."""
    paths: dict[str, str] = {}
    event: dict[str, Any] = {
        "type": _activity_type(message, config),
        "occurred_at": occurred_at(message, received_at=received_at, batch_sent_at=batch_sent_at),
    }
    paths.update(type="event" if isinstance(message, Track) else "type", occurred_at="timestamp")
    if message.message_id is not None:
        event["event_id"] = message.message_id
        paths["event_id"] = "messageId"
    if message.anonymous_id is not None:
        event["anonymous_id"] = message.anonymous_id
        paths["anonymous_id"] = "anonymousId"
    _add_campaign(message, event, paths)
    profile = _profile(message, paths)
    if message.user_id is not None:
        event["lead_external_id"] = message.user_id
        paths["lead_external_id"] = "userId"
    elif profile is not None and "email" in profile:
        event["email"] = profile["email"]
    else:
        email = _context_email(message)
        if email is not None:
            event["email"] = email
            paths["email"] = "context.traits.email"
    event["properties"] = _custom(_properties(message), _ACTIVITY_NAMES, "properties", paths)
    identified = "lead_external_id" in event or "email" in event
    return Mapped(index, profile, event, message.anonymous_id, identified, paths)


def _utc(moment: datetime) -> datetime:
    # The spec's timestamps are ISO 8601 with an offset; one without is read as UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _activity_type(message: Applied, config: SegmentConfig) -> str:
    if not isinstance(message, Track):
        return _ACTIVITY_TYPES[type(message)]
    activity_type = config.activity_type(message.event)
    if activity_type is None:
        raise MessageProblem(
            "event",
            f"{message.event!r} makes no activity type (a letter, then up to 63 letters, "
            "digits or _); map it to one in the segment.event_types setting",
        )
    return activity_type


def _add_campaign(message: Applied, event: dict[str, Any], paths: dict[str, str]) -> None:
    campaign = message.context.campaign
    if campaign is None:
        return
    for name, utm in (*_UTM, *_UTM_EXTRA):
        value = getattr(campaign, utm)
        if value is not None:
            event[name] = value
            paths[name] = f"context.campaign.{utm}"


def _context_email(message: Applied) -> Any:
    traits = message.context.traits or {}
    return next((value for key, value in traits.items() if snake_case(key) == "email"), None)


def _profile(message: Applied, paths: dict[str, str]) -> dict[str, Any] | None:
    """The lead an identify describes (or a userId names); None for an unknown visitor."""
    traits = message.traits if isinstance(message, Identify) else {}
    profile: dict[str, Any] = {}
    if message.user_id is not None:
        profile["external_id"] = message.user_id
        paths["external_id"] = "userId"
    attributes: dict[str, Any] = {}
    names: dict[str, str] = {}  # attribute -> trait path
    for key, value in traits.items():
        name = snake_case(key)
        if value is None:
            continue
        if name in _NESTED_TRAITS and isinstance(value, Mapping):
            _nested(key, value, profile, attributes, names, paths)
        elif name in ("email", "name") or name in PROFILE_FIELDS:
            profile[name] = value
            paths[name] = f"traits.{key}"
        else:
            attributes[key] = value
            names[key] = f"traits.{key}"
    _split_name(profile, paths)
    if "email" not in profile and "external_id" not in profile:
        return None
    profile["attributes"] = _custom(attributes, _LEAD_NAMES, "attributes", paths, names)
    return profile


def _nested(
    key: str,
    value: Mapping[str, Any],
    profile: dict[str, Any],
    attributes: dict[str, Any],
    names: dict[str, str],
    paths: dict[str, str],
) -> None:
    """`address` and `company` objects: their lead fields as fields, the rest as
    attributes named `address_state`, `company_industry`..."""
    outer = snake_case(key)
    for part, part_value in value.items():
        inner = snake_case(part)
        lead_field = _NESTED_TRAITS[outer].get(inner)
        if part_value is None:
            continue
        if lead_field is not None:
            # A top-level trait (`city`) wins over the nested one (`address.city`).
            if lead_field not in profile:
                profile[lead_field] = part_value
                paths[lead_field] = f"traits.{key}.{part}"
        else:
            attributes[f"{outer}_{inner}"] = part_value
            names[f"{outer}_{inner}"] = f"traits.{key}.{part}"


def _split_name(profile: dict[str, Any], paths: dict[str, str]) -> None:
    # Segment's `name` trait is the full name; leadflow keeps first and last.
    full = profile.pop("name", None)
    where = paths.pop("name", "traits.name")
    if not isinstance(full, str) or "first_name" in profile or "last_name" in profile:
        return
    parts = full.split(None, 1)
    for name, part in zip(("first_name", "last_name"), parts, strict=False):
        profile[name] = part
        paths[name] = where


def _properties(message: Applied) -> dict[str, Any]:
    if isinstance(message, Identify):
        return {}
    properties = dict(message.properties)
    if isinstance(message, Track):
        properties.setdefault("event", message.event)
        return properties
    if isinstance(message, Page):
        properties = {**(message.context.page or {}), **properties}
    for name in ("name", "category"):
        value = getattr(message, name)
        if value is not None:
            properties.setdefault(name, value)
    url = properties.get("url")
    if "path" not in properties and isinstance(url, str):
        properties["path"] = urlsplit(url).path or "/"
    return properties


def _custom(
    values: Mapping[str, Any],
    taken: frozenset[str],
    nested: str,
    paths: dict[str, str],
    origins: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Custom values under snake_case names (`planName` is `plan_name`); a name leadflow
    uses itself gets RESERVED_PREFIX. `paths` learns where each came from."""
    custom: dict[str, Any] = {}
    for key, value in values.items():
        name = snake_case(key) or key  # no letters: the service names the problem
        if name in taken:
            name = RESERVED_PREFIX + name
        custom[name] = value
        paths[f"{nested}.{name}"] = (origins or {}).get(key, f"{nested}.{key}")
    return custom
