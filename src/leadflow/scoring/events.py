"""A lead's events as scoring sees them, and which rules and queries they match."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from leadflow.scoring.engagement import duration_micros, to_micros
from leadflow.scoring.language import EventQuery, holds
from leadflow.scoring.model import EngagementRule


@dataclass(frozen=True)
class Event:
    """Something a lead did at a time; `properties` holds every property by name, flat."""

    id: str
    type: str
    occurred_at: datetime
    properties: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


def matches_rule(rule: EngagementRule, event: Event) -> bool:
    """Whether the event earns the engagement rule's points: its type, and `where` holds."""
    return event.type == rule.event and (rule.where is None or holds(rule.where, event.properties))


def matches_query(query: EventQuery, event: Event) -> bool:
    """Whether the event is of the query's type and its `where` holds (window aside)."""
    if event.type != query.event_type:
        return False
    return query.where is None or holds(query.where, event.properties)


def count_events(events: Iterable[Event], query: EventQuery, *, at: datetime) -> int:
    """How many events match the query in its window: at - within <= occurred_at <= at."""
    at_us = to_micros(at)
    since_us = None if query.within is None else at_us - duration_micros(query.within)
    return sum(
        1
        for event in events
        if (since_us is None or to_micros(event.occurred_at) >= since_us)
        and to_micros(event.occurred_at) <= at_us
        and matches_query(query, event)
    )


def distinct_events(events: Iterable[Event]) -> tuple[Event, ...]:
    """The events without repeats of an id; two different events with one id is an error."""
    by_id: dict[str, Event] = {}
    for event in events:
        seen = by_id.setdefault(event.id, event)
        if seen != event:
            raise ValueError(f"two different events have the id {event.id!r}")
    return tuple(by_id.values())
