"""Business time: working hours in a time zone, minus weekends and public holidays.

Hours are counted on the wall clock of the calendar's zone, so a working day is as long in
the week a clock changes as in any other, and a deadline lands at the same local time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from leadflow.errors import ConfigError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Ten years of consecutive non-working days means the calendar can never be satisfied.
_MAX_DAYS = 3660
_DURATION = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*(?:business\s+|working\s+)?"
    r"(minutes?|mins?|m|hours?|hrs?|h|days?|d)\s*$",
    re.IGNORECASE,
)


@cache
def _holidays(country: str, subdivision: str | None) -> Any:
    try:
        return holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError as exc:
        raise ConfigError(f"holidays: {exc}") from exc


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours on working days, in one time zone, with a country's public holidays."""

    time_zone: str = "UTC"
    opens: time = time(9)
    closes: time = time(17)
    working_days: frozenset[int] = frozenset(range(5))
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    extra_holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.closes <= self.opens:
            raise ConfigError(f"working hours: {self.opens} to {self.closes} is empty")
        if not self.working_days:
            raise ConfigError("working days: at least one day must be a working day")
        if self.holiday_country:
            _holidays(self.holiday_country, self.holiday_subdivision)

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone."""
        return ZoneInfo(self.time_zone)

    @property
    def day_length(self) -> timedelta:
        """How much business time one working day holds."""
        return _wall(date(2000, 1, 3), self.closes) - _wall(date(2000, 1, 3), self.opens)

    def is_working_day(self, day: date) -> bool:
        """True when `day` is a working weekday and no holiday."""
        if day.weekday() not in self.working_days or day in self.extra_holidays:
            return False
        return not (
            self.holiday_country
            and day in _holidays(self.holiday_country, self.holiday_subdivision)
        )

    def windows(self, start_day: date) -> Iterator[tuple[datetime, datetime]]:
        """Working windows from `start_day` on, as naive wall-clock times in the zone."""
        for offset in range(_MAX_DAYS):
            day = start_day + timedelta(days=offset)
            if self.is_working_day(day):
                yield _wall(day, self.opens), _wall(day, self.closes)
        raise ConfigError(f"calendar has no working day in {_MAX_DAYS} days from {start_day}")

    def local(self, instant: datetime) -> datetime:
        """An aware instant as naive wall-clock time in the zone."""
        if instant.tzinfo is None:
            raise ValueError(f"naive datetime {instant.isoformat()} has no time zone")
        return instant.astimezone(self.zone).replace(tzinfo=None)

    def aware(self, wall: datetime) -> datetime:
        """Naive wall-clock time in the zone as an aware instant."""
        return wall.replace(tzinfo=self.zone)


def _wall(day: date, at: time) -> datetime:
    return datetime.combine(day, at)


def add_business_time(start: datetime, duration: timedelta, calendar: BusinessCalendar) -> datetime:
    """The instant `duration` of business time after `start` (returned in the calendar's zone)."""
    if duration < timedelta(0):
        raise ValueError(f"business time cannot be negative: {duration}")
    position = calendar.local(start)
    remaining = duration
    for opens, closes in calendar.windows(position.date()):
        position = max(position, opens)
        if position >= closes:
            continue
        available = closes - position
        if remaining <= available:
            return calendar.aware(position + remaining)
        remaining -= available
    raise AssertionError("windows() never ends without raising")


def business_time_between(a: datetime, b: datetime, calendar: BusinessCalendar) -> timedelta:
    """Business time from `a` to `b`; negative when `b` is before `a`."""
    if b < a:
        return -business_time_between(b, a, calendar)
    start, end = calendar.local(a), calendar.local(b)
    total = timedelta(0)
    for opens, closes in calendar.windows(start.date()):
        if opens >= end:
            break
        overlap = min(closes, end) - max(opens, start)
        if overlap > timedelta(0):
            total += overlap
    return total


def parse_business_duration(text: str, calendar: BusinessCalendar | None = None) -> timedelta:
    """'4 business hours', '5 business days', '30 minutes' as business time; a day is one
    working day of the calendar (8 hours for 09:00-17:00)."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(
            f"{text!r} is not a duration; write e.g. '4 business hours' or '5 business days'"
        )
    amount, unit = float(match.group(1)), match.group(2).lower()
    if unit.startswith("d"):
        return (calendar or BusinessCalendar()).day_length * amount
    if unit.startswith("h"):
        return timedelta(hours=amount)
    return timedelta(minutes=amount)


def parse_working_hours(text: str) -> tuple[time, time]:
    """'09:00-17:00' as (opens, closes)."""
    try:
        opens, closes = (time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError as exc:
        raise ValueError(f"working hours {text!r}: write e.g. '09:00-17:00'") from exc
    if closes <= opens:
        raise ValueError(f"working hours {text!r}: closing must be after opening")
    return opens, closes
