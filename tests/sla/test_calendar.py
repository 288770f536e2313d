"""Business-time arithmetic across weekends, holidays, time zones and clock changes."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadflow.errors import ConfigError
from leadflow.sla.calendar import (
    BusinessCalendar,
    add_business_time,
    business_time_between,
    parse_business_duration,
)

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
UTC_CAL = BusinessCalendar()
US = BusinessCalendar(time_zone="America/New_York", holiday_country="US")


def at(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)  # type: ignore[misc]


def test_a_weekend_does_not_count() -> None:
    friday = at(UTC, 2026, 3, 6, 16)
    assert add_business_time(friday, 4 * H, UTC_CAL) == at(UTC, 2026, 3, 9, 12)
    assert business_time_between(friday, at(UTC, 2026, 3, 9, 12), UTC_CAL) == 4 * H


@pytest.mark.parametrize(
    ("start", "due"),
    [
        ((2026, 3, 7, 10), (2026, 3, 9, 10)),  # Saturday: the clock starts Monday 09:00
        ((2026, 3, 10, 7), (2026, 3, 10, 10)),  # before opening
        ((2026, 3, 10, 18), (2026, 3, 11, 10)),  # after closing
        ((2026, 3, 10, 17), (2026, 3, 11, 10)),  # exactly at closing
        ((2026, 3, 10, 16), (2026, 3, 10, 17)),  # ends exactly at closing
    ],
)
def test_starting_outside_hours(start: tuple[int, ...], due: tuple[int, ...]) -> None:
    assert add_business_time(at(UTC, *start), H, UTC_CAL) == at(UTC, *due)


def test_us_thanksgiving_is_skipped() -> None:
    # Thanksgiving 2026 is Thursday 26 November; Friday is a working day.
    wednesday = at(NY, 2026, 11, 25, 15)
    assert add_business_time(wednesday, 4 * H, US) == at(NY, 2026, 11, 27, 11)
    assert add_business_time(wednesday, 4 * H, BusinessCalendar(time_zone="America/New_York")) == (
        at(NY, 2026, 11, 26, 11)
    )


def test_a_german_holiday_depends_on_the_state() -> None:
    # Corpus Christi (4 June 2026) is a holiday in Bavaria but not in Berlin.
    bavaria = BusinessCalendar(
        time_zone="Europe/Berlin", holiday_country="DE", holiday_subdivision="BY"
    )
    berlin = BusinessCalendar(
        time_zone="Europe/Berlin", holiday_country="DE", holiday_subdivision="BE"
    )
    wednesday = at(BERLIN, 2026, 6, 3, 16)
    assert add_business_time(wednesday, 2 * H, bavaria) == at(BERLIN, 2026, 6, 5, 10)
    assert add_business_time(wednesday, 2 * H, berlin) == at(BERLIN, 2026, 6, 4, 10)
    assert not bavaria.is_working_day(date(2026, 6, 4))
    assert berlin.is_working_day(date(2026, 6, 4))


def test_the_same_instant_in_different_time_zones() -> None:
    start = at(UTC, 2026, 3, 9, 14)  # 15:00 in Berlin, 10:00 in New York (already EDT)
    berlin = add_business_time(start, 4 * H, BusinessCalendar(time_zone="Europe/Berlin"))
    new_york = add_business_time(start, 4 * H, BusinessCalendar(time_zone="America/New_York"))
    assert berlin == at(UTC, 2026, 3, 10, 10)
    assert new_york == at(UTC, 2026, 3, 9, 18)
    # Kolkata is UTC+05:30: 19:30 there, after hours, so all four hours come on Tuesday.
    kolkata = add_business_time(start, 4 * H, BusinessCalendar(time_zone="Asia/Kolkata"))
    assert kolkata == at(UTC, 2026, 3, 10, 7, 30)


def test_spring_forward_in_new_york() -> None:
    # Clocks go from 02:00 to 03:00 on Sunday 8 March 2026: Friday is EST, Monday EDT.
    friday = at(NY, 2026, 3, 6, 15)
    due = add_business_time(friday, 4 * H, US)
    assert due == at(NY, 2026, 3, 9, 11)
    assert due.astimezone(UTC) == at(UTC, 2026, 3, 9, 15)
    # 68 hours of wall clock, 67 of real time: the lost hour is not a business hour.
    assert due.astimezone(UTC) - friday.astimezone(UTC) == timedelta(hours=67)
    assert business_time_between(friday, due, US) == 4 * H


def test_fall_back_in_new_york() -> None:
    # Clocks go from 02:00 back to 01:00 on Sunday 1 November 2026.
    friday = at(NY, 2026, 10, 30, 16)
    due = add_business_time(friday, 2 * H, US)
    assert due == at(NY, 2026, 11, 2, 10)
    assert due.astimezone(UTC) == at(UTC, 2026, 11, 2, 15)
    # 66 hours of wall clock, 67 of real time: the repeated hour is not a business hour.
    assert due.astimezone(UTC) - friday.astimezone(UTC) == timedelta(hours=67)
    assert business_time_between(friday, due, US) == 2 * H


def test_business_days_keep_the_time_of_day() -> None:
    monday = at(NY, 2026, 11, 23, 10)
    five_days = parse_business_duration("5 business days", US)
    assert five_days == 40 * H
    # Thanksgiving falls inside: the deadline moves to Tuesday.
    assert add_business_time(monday, five_days, US) == at(NY, 2026, 12, 1, 10)
    assert add_business_time(at(NY, 2026, 3, 2, 10), five_days, US) == at(NY, 2026, 3, 9, 10)


def test_measuring_backwards_is_negative() -> None:
    a, b = at(UTC, 2026, 3, 6, 16), at(UTC, 2026, 3, 9, 10)
    assert business_time_between(b, a, UTC_CAL) == -2 * H


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4 business hours", 4 * H),
        ("5 business days", 40 * H),
        ("90 minutes", timedelta(minutes=90)),
        ("1.5h", timedelta(minutes=90)),
        ("2 working days", 16 * H),
    ],
)
def test_durations_people_write(text: str, expected: timedelta) -> None:
    assert parse_business_duration(text) == expected


def test_bad_durations_and_calendars_are_refused() -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_business_duration("four hours")
    with pytest.raises(ConfigError, match="is empty"):
        BusinessCalendar(opens=time(17), closes=time(9))
    with pytest.raises(ConfigError, match="holidays"):
        BusinessCalendar(holiday_country="XX")
    with pytest.raises(ConfigError, match="at least one day"):
        BusinessCalendar(working_days=frozenset())


CALENDARS = st.sampled_from(
    [
        UTC_CAL,
        US,
        BusinessCalendar(time_zone="Europe/Berlin", holiday_country="DE", holiday_subdivision="BY"),
        BusinessCalendar(time_zone="Asia/Kolkata", opens=time(10), closes=time(18, 30)),
        BusinessCalendar(
            time_zone="Australia/Sydney",
            holiday_country="AU",
            holiday_subdivision="NSW",
            working_days=frozenset({0, 1, 2, 3, 5}),
        ),
    ]
)
INSTANTS = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
DURATIONS = st.integers(min_value=0, max_value=300 * 60).map(lambda m: timedelta(minutes=m))


@settings(max_examples=300, deadline=None)
@given(calendar=CALENDARS, start=INSTANTS, duration=DURATIONS)
def test_adding_then_measuring_gives_the_duration_back(
    calendar: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    due = add_business_time(start, duration, calendar)
    assert due >= start
    assert business_time_between(start, due, calendar) == duration


@settings(max_examples=200, deadline=None)
@given(calendar=CALENDARS, start=INSTANTS, first=DURATIONS, second=DURATIONS)
def test_adding_in_two_steps_is_adding_once(
    calendar: BusinessCalendar, start: datetime, first: timedelta, second: timedelta
) -> None:
    stepwise = add_business_time(add_business_time(start, first, calendar), second, calendar)
    assert stepwise == add_business_time(start, first + second, calendar)
