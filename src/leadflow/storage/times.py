"""Instants in UTC: the one check that a time given with a zone offset stays in the calendar."""

from __future__ import annotations

from datetime import UTC, datetime


def in_utc(moment: datetime) -> datetime:
    """The same instant in UTC (a time without a zone is taken as UTC already); ValueError
    when its zone offset pushes it before year 1 or past year 9999, which no store can hold."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    if moment.tzinfo is UTC:
        return moment
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(
            f"{moment.isoformat()} falls outside the calendar in UTC (years 1 to 9999)"
        ) from None
