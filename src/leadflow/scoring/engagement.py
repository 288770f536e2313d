"""Engagement math: the definition, and a per-rule state that absorbs an event in O(1).

A rule's value at time t is clamp(sum of p * 2^(-(t - t_e) / h) over its events with
t_e <= t, -cap, cap). `DecayedSum` keeps that sum exactly, as an integer multiple of a power of
two per block of half-lives, so the result depends only on the set of events absorbed, bit for
bit, whatever order they came in; only the final reading at t is rounded, once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# Every finite float times 2**1074 is an integer, so each term is stored without rounding.
_FRACTION_BITS = 1074
# Terms are grouped in blocks of this many half-lives since the epoch...
_BLOCK = 64
# ...and only the newest blocks are kept: an event more than (_KEPT - 1) * _BLOCK = 1024
# half-lives older than the newest one weighs under 2**-1024 of its points, below what a
# float can add to the sum, and counts as zero.
_KEPT = 17


def to_micros(moment: datetime) -> int:
    """Whole microseconds since the Unix epoch; a naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // _MICROSECOND


def duration_micros(duration: timedelta) -> int:
    """Whole microseconds in a duration."""
    return duration // _MICROSECOND


def clamp(total: float, cap: float | None) -> float:
    """`total` limited to [-cap, cap]; no cap, no limit."""
    return total if cap is None else max(-cap, min(cap, total))


def reference_rule_value(
    events: Iterable[tuple[datetime, float]],
    *,
    at: datetime,
    half_life: timedelta | None,
    cap: float | None,
) -> float:
    """The definition, straight from the events (time, points): O(events), for checking."""
    at_us = to_micros(at)
    half_life_us = None if half_life is None else duration_micros(half_life)
    terms = []
    for occurred_at, points in events:
        age = at_us - to_micros(occurred_at)
        if age >= 0:
            terms.append(points if half_life_us is None else points * 2.0 ** (-age / half_life_us))
    return clamp(math.fsum(terms), cap)


@dataclass(frozen=True)
class DecayedSum:
    """The exact decayed sum of one rule's events: add one in O(1), read it at any later time.

    `blocks` holds (block, units) pairs: the sum of p * 2^(t_e / h) over the events in that
    block of half-lives, in units of 2^(block * 64 - 1074).
    """

    half_life_us: int | None
    blocks: tuple[tuple[int, int], ...] = ()
    latest_us: int | None = None
    # The exact total of the blocks, in units of the lowest block, rounded once to a float
    # `mantissa` times 2**`bits`: a reading is then that float scaled by a power of two,
    # the very float the exact integer would round to, unless it is too small or large.
    mantissa: float = field(init=False, repr=False, compare=False)
    bits: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        low = self.blocks[0][0] if self.blocks else 0
        total = sum(units << (_BLOCK * (block - low)) for block, units in self.blocks)
        bits = abs(total).bit_length()
        object.__setattr__(self, "mantissa", total / (1 << bits))
        object.__setattr__(self, "bits", bits)

    @classmethod
    def empty(cls, half_life: timedelta | None) -> DecayedSum:
        """A sum with no events, decaying by `half_life` (None: never)."""
        return cls(None if half_life is None else duration_micros(half_life))

    def add(self, occurred_at: datetime, points: float) -> DecayedSum:
        """This sum with one more event; the same events in any order give an equal sum."""
        return self.add_us(to_micros(occurred_at), points)

    def add_us(self, occurred_us: int, points: float) -> DecayedSum:
        """`add`, for a time in microseconds since the epoch."""
        block, units = self._term(occurred_us, points)
        latest = occurred_us if self.latest_us is None else max(self.latest_us, occurred_us)
        blocks = self.blocks
        if blocks and blocks[-1][0] == block:
            # The usual case, an event in the newest block: nothing to sort or forget.
            kept = (*blocks[:-1], (block, blocks[-1][1] + units))
        else:
            newest = max(block, blocks[-1][0]) if blocks else block
            merged = dict(blocks)
            merged[block] = merged.get(block, 0) + units
            kept = tuple(sorted((b, u) for b, u in merged.items() if b > newest - _KEPT))
        return DecayedSum(self.half_life_us, kept, latest)

    def value_at(self, at: datetime) -> float:
        """sum of p * 2^(-(at - t_e) / h), unclamped; `at` may not precede an added event."""
        return self.value_at_us(to_micros(at))

    def value_at_us(self, at_us: int) -> float:
        """`value_at`, for a time in microseconds since the epoch."""
        if self.latest_us is not None and at_us < self.latest_us:
            raise ValueError(
                "this sum holds events after the time asked for; "
                "keep later events out of it (LeadState does) or use reference_rule_value"
            )
        if not self.blocks:
            return 0.0
        exponent = _BLOCK * self.blocks[0][0] - _FRACTION_BITS
        if self.half_life_us is None:
            return self._scaled(exponent)
        whole, rest = divmod(at_us, self.half_life_us)
        return self._scaled(exponent - whole) * 2.0 ** (-rest / self.half_life_us)

    def _scaled(self, exponent: int) -> float:
        """The exact total times 2**exponent, rounded once to the nearest float."""
        magnitude = self.bits + exponent
        # mantissa * 2**magnitude is a normal float here, so scaling it loses nothing.
        if -1021 <= magnitude <= 1023:
            return math.ldexp(self.mantissa, magnitude)
        low = self.blocks[0][0]
        total = sum(units << (_BLOCK * (block - low)) for block, units in self.blocks)
        return _times_power_of_two(total, exponent)

    def _term(self, occurred_us: int, points: float) -> tuple[int, int]:
        if self.half_life_us is None:
            half_lives, weight = 0, float(points)
        else:
            # Whole half-lives since the epoch stay an exact integer; only the fraction of
            # one is a float, so the weight below is accurate to a rounding or two.
            half_lives, rest = divmod(occurred_us, self.half_life_us)
            weight = points * 2.0 ** (rest / self.half_life_us)
        block, offset = divmod(half_lives, _BLOCK)
        numerator, denominator = weight.as_integer_ratio()
        # denominator is 2**s with s <= 1074, so the shift is never negative.
        return block, numerator << (offset + _FRACTION_BITS - denominator.bit_length() + 1)


def _times_power_of_two(number: int, exponent: int) -> float:
    """number * 2**exponent, rounded once to the nearest float."""
    if exponent >= 0:
        return float(number << exponent)
    if number.bit_length() + exponent < -1080:
        return 0.0
    return number / (1 << -exponent)
