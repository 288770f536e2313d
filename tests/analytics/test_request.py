"""The parameters every report shares, read the same way by the CLI and the API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from leadflow.analytics.request import ReportParameterError, day_period, window_duration


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("90d", timedelta(days=90)),
        ("12h", timedelta(hours=12)),
        ("2w", timedelta(weeks=2)),
        (" 90 d ", timedelta(days=90)),  # blanks, as typed on a command line
        ("999999h", timedelta(hours=999_999)),
    ],
)
def test_a_window_is_a_whole_number_of_hours_days_or_weeks(text: str, duration: timedelta) -> None:
    assert window_duration(text) == duration


@pytest.mark.parametrize("text", ["0d", "1000000d", "90", "d", "1.5d", "-3d", "90m", "soon"])
def test_any_other_window_is_refused_naming_it(text: str) -> None:
    with pytest.raises(ReportParameterError) as error:
        window_duration(text, named="--window")
    assert error.value.field == "window"
    assert str(error.value).startswith(f"--window {text!r}")


def test_days_become_a_half_open_period_of_instants() -> None:
    start, end = day_period(date(2026, 1, 1), date(2026, 1, 31))
    assert start == datetime(2026, 1, 1, tzinfo=UTC)
    assert end == datetime(2026, 2, 1, tzinfo=UTC)  # the whole of 31 January, included
    assert day_period(None, None) == (None, None)
    assert day_period(date(2026, 3, 1), date(2026, 3, 1))[1] == datetime(2026, 3, 2, tzinfo=UTC)


def test_a_last_day_before_the_first_or_past_the_calendar_is_refused() -> None:
    with pytest.raises(ReportParameterError) as before:
        day_period(date(2026, 2, 1), date(2026, 1, 31))
    assert before.value.field == "to"
    with pytest.raises(ReportParameterError) as late:
        day_period(None, date.max)
    assert late.value.field == "to"
