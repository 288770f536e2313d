"""Cell values: inference picks number, boolean, date/time, text in that order; parsing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from leadflow.importing import values
from leadflow.importing.fields import column_key


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        (["1", "2.5", "-3", "1e3"], "number"),
        ([1, 2.0], "number"),
        (["02134", "10001"], "text"),  # postcodes keep their zeros
        (["0", "0.5"], "number"),
        (["yes", "No", "TRUE", "f"], "boolean"),
        ([True, False], "boolean"),
        (["1", "0"], "number"),  # number comes first
        (["2024-01-05", "2024-01-05T10:00:00Z", "2024-01-05 10:00+02:00"], "datetime"),
        ([date(2024, 1, 5)], "datetime"),
        (["20240105"], "number"),
        (["1", "one"], "text"),
        (["2024-13-45"], "text"),
        (["nan", "inf"], "text"),
    ],
)
def test_inference_order(sample, expected) -> None:
    assert values.infer_type(sample) == expected


def test_numbers_are_ints_when_whole() -> None:
    assert values.parse_number("3.0") == 3
    assert isinstance(values.parse_number("3.0"), int)
    assert values.parse_number(" 2.5 ") == 2.5
    assert values.parse_number(7.0) == 7
    with pytest.raises(ValueError, match="expected a number"):
        values.parse_number("1_000")
    with pytest.raises(ValueError, match="expected a number"):
        values.parse_number(True)


def test_booleans_accept_one_and_zero_when_typed() -> None:
    assert [values.parse_boolean(v) for v in ("1", "0", "Y", "no", 1, False)] == [
        True,
        False,
        True,
        False,
        True,
        False,
    ]
    with pytest.raises(ValueError, match="expected a boolean"):
        values.parse_boolean("maybe")


def test_datetimes_become_utc_with_naive_ones_in_the_zone() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    assert values.parse_datetime("2024-01-05T10:00:00", berlin) == datetime(
        2024, 1, 5, 9, tzinfo=UTC
    )
    assert values.parse_datetime("2024-01-05T10:00:00Z", berlin) == datetime(
        2024, 1, 5, 10, tzinfo=UTC
    )
    assert values.parse_datetime(date(2024, 7, 1), berlin) == datetime(2024, 6, 30, 22, tzinfo=UTC)
    assert values.iso_utc(datetime(2024, 1, 5, 10, tzinfo=UTC)) == "2024-01-05T10:00:00Z"


def test_missing_values() -> None:
    assert all(values.is_missing(v) for v in (None, "", "  ", float("nan")))
    assert not any(values.is_missing(v) for v in ("0", 0, False, "x"))


@pytest.mark.parametrize(
    ("header", "key"),
    [
        (" Email ", "email"),
        ("First Name", "first_name"),
        ("Budget ($)", "budget"),
        ("país", "país"),
        ("UTM-Source", "utm_source"),
    ],
)
def test_column_names_compare_trimmed_lower_case_with_underscores(header, key) -> None:
    assert column_key(header) == key
