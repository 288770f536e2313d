"""Durations as written in conditions and model files: `90s`, `30m`, `12h`, `30d`, `2w`."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1)}
_UNITS |= {"m": timedelta(minutes=1), "s": timedelta(seconds=1)}
_DURATION = re.compile(r"(\d+)([smhdw])")
# A century: longer windows and half-lives mean nothing for a lead, and any time of ours
# minus one stays inside the calendar (a within=99999999999d once overflowed it).
MAX_DURATION = timedelta(days=36_500)
EXPECTED = (
    "a duration (a whole number and a unit s, m, h, d or w, such as 30d or 12h) of at most 36500d"
)


def parse_duration(text: str) -> timedelta | None:
    """The duration `text` denotes, or None when it is not one (zero, or over MAX_DURATION)."""
    match = _DURATION.fullmatch(text.strip())
    if match is None or not 0 < int(match[1]) <= MAX_DURATION // _UNITS[match[2]]:
        return None
    return int(match[1]) * _UNITS[match[2]]


def format_duration(duration: timedelta) -> str:
    """The canonical text of a duration: the largest of d, h, m, s that divides it exactly."""
    for unit in ("d", "h", "m", "s"):
        count, rest = divmod(duration, _UNITS[unit])
        if not rest:
            return f"{count}{unit}"
    raise ValueError(f"{duration} is not a whole number of seconds")
