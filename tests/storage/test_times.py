"""in_utc: every time with any offset is either the same instant in UTC or a ValueError
that says why; never an OverflowError."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.storage.times import in_utc

offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


@given(moment=st.datetimes(), zone=offsets)
def test_a_time_is_the_same_instant_in_utc_or_refused(moment: datetime, zone: timezone) -> None:
    aware = moment.replace(tzinfo=zone)
    try:
        converted = in_utc(aware)
    except ValueError as exc:
        assert "outside the calendar" in str(exc)
        assert moment.year in (1, 9999)
        return
    assert converted.tzinfo is UTC
    assert converted == aware


@pytest.mark.parametrize(
    "text", ["9999-12-31T23:59:59-00:01", "0001-01-01T00:00:00+00:01", "0001-01-01T00:00+23:59"]
)
def test_one_minute_past_either_end_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="outside the calendar in UTC"):
        in_utc(datetime.fromisoformat(text))


def test_a_time_without_a_zone_is_taken_as_utc() -> None:
    assert in_utc(datetime(9999, 12, 31, 23, 59)) == datetime(9999, 12, 31, 23, 59, tzinfo=UTC)
