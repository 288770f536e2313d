"""Engagement math: the O(1) decayed sum against the definition, order, decay, caps."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.scoring.engagement import DecayedSum, clamp, reference_rule_value

START = datetime(2021, 3, 1, tzinfo=UTC)
half_lives = st.sampled_from(
    [None, timedelta(minutes=90), timedelta(days=1), timedelta(days=7), timedelta(days=30)]
)
caps = st.none() | st.floats(min_value=0.5, max_value=200)
points = st.floats(min_value=-50, max_value=50).filter(lambda p: p != 0)
# Up to three years, to the microsecond.
moments = st.integers(min_value=0, max_value=3 * 365 * 86_400_000_000).map(
    lambda us: START + timedelta(microseconds=us)
)
histories = st.lists(st.tuples(moments, points), max_size=30)
later = st.integers(min_value=0, max_value=400 * 86_400_000_000).map(
    lambda us: timedelta(microseconds=us)
)


def decayed_sum(events: list[tuple[datetime, float]], half_life: timedelta | None) -> DecayedSum:
    total = DecayedSum.empty(half_life)
    for occurred_at, p in events:
        total = total.add(occurred_at, p)
    return total


def last(events: list[tuple[datetime, float]]) -> datetime:
    return max((t for t, _ in events), default=START)


def scale(events: list[tuple[datetime, float]], at: datetime, half_life: timedelta | None) -> float:
    """Sum of the terms' magnitudes: what a float sum's error is relative to."""
    return reference_rule_value(
        [(t, abs(p)) for t, p in events], at=at, half_life=half_life, cap=None
    )


@given(histories, half_lives, caps, later)
def test_state_equals_the_definition_to_1e_9(
    events: list[tuple[datetime, float]],
    half_life: timedelta | None,
    cap: float | None,
    after: timedelta,
) -> None:
    at = last(events) + after
    expected = reference_rule_value(events, at=at, half_life=half_life, cap=cap)
    got = clamp(decayed_sum(events, half_life).value_at(at), cap)
    # Relative to the magnitude of the terms: with mixed signs the sum itself can cancel to
    # near zero, where no float computation is relatively accurate.
    assert abs(got - expected) <= 1e-9 * scale(events, at, half_life) + 1e-300


@given(histories, half_lives, st.randoms(use_true_random=False), later)
def test_arrival_order_never_matters_to_the_last_bit(
    events: list[tuple[datetime, float]],
    half_life: timedelta | None,
    random: Random,
    after: timedelta,
) -> None:
    shuffled = list(events)
    random.shuffle(shuffled)
    in_order = decayed_sum(sorted(events), half_life)
    out_of_order = decayed_sum(shuffled, half_life)
    assert in_order == out_of_order
    at = last(events) + after
    assert in_order.value_at(at) == out_of_order.value_at(at)


@given(histories, half_lives, caps, later, later)
def test_decay_never_increases_a_rules_contribution(
    events: list[tuple[datetime, float]],
    half_life: timedelta | None,
    cap: float | None,
    first: timedelta,
    second: timedelta,
) -> None:
    total = decayed_sum(events, half_life)
    earlier = last(events) + first
    value_then = clamp(total.value_at(earlier), cap)
    value_later = clamp(total.value_at(earlier + second), cap)
    assert abs(value_later) <= abs(value_then)
    assert value_later * value_then >= 0  # decay never flips the sign


@given(histories, half_lives, caps, later)
def test_caps_bound_the_rule_and_negative_points_stay_negative(
    events: list[tuple[datetime, float]],
    half_life: timedelta | None,
    cap: float | None,
    after: timedelta,
) -> None:
    at = last(events) + after
    value = clamp(decayed_sum(events, half_life).value_at(at), cap)
    if cap is not None:
        assert -cap <= value <= cap
    negative_only = decayed_sum([(t, -abs(p)) for t, p in events], half_life)
    positive_only = decayed_sum([(t, abs(p)) for t, p in events], half_life)
    assert clamp(negative_only.value_at(at), cap) <= 0 <= clamp(positive_only.value_at(at), cap)


def test_worked_example_from_the_docs() -> None:
    # Pricing page: 10 points, half-life 14 days, cap 30. Views 0, 14 and 28 days ago.
    now = datetime(2025, 6, 30, tzinfo=UTC)
    views = [(now - timedelta(days=d), 10.0) for d in (0, 14, 28)]
    total = decayed_sum(views, timedelta(days=14))
    assert total.value_at(now) == pytest.approx(17.5, rel=1e-12)
    assert total.value_at(now + timedelta(days=14)) == pytest.approx(8.75, rel=1e-12)
    more = [*views, (now, 10.0), (now, 10.0)]
    assert clamp(decayed_sum(more, timedelta(days=14)).value_at(now), 30) == 30


def test_events_after_the_reading_time_count_only_in_the_definition() -> None:
    now = START + timedelta(days=10)
    events = [(START, 5.0), (now + timedelta(seconds=1), 7.0)]
    assert reference_rule_value(events, at=now, half_life=None, cap=None) == 5.0
    with pytest.raises(ValueError, match="holds events after the time asked for"):
        decayed_sum(events, None).value_at(now)


def test_multi_year_histories_with_short_half_lives_stay_exact_and_small() -> None:
    half_life = timedelta(minutes=1)
    events = [(START + timedelta(hours=7 * i), 3.0) for i in range(5 * 365 * 24 // 7)]
    total = decayed_sum(events, half_life)
    at = events[-1][0] + timedelta(minutes=3)
    assert total.value_at(at) == pytest.approx(3.0 / 8, rel=1e-12)
    assert len(total.blocks) <= 17
    ancient = total.value_at(at + timedelta(days=3))
    assert ancient == 0.0 and not math.isnan(ancient)


def test_an_event_too_old_to_matter_leaves_the_sum_unchanged() -> None:
    total = decayed_sum([(START + timedelta(days=2000), 1.0)], timedelta(hours=1))
    assert total.add(START, 1e6) == total


@given(
    st.lists(
        st.tuples(st.integers(-3, 3), st.integers(-(2**1100), 2**1100)), min_size=1, max_size=4
    ),
    st.integers(min_value=-2400, max_value=-900),
)
def test_a_reading_is_the_exact_total_rounded_once(
    blocks: list[tuple[int, int]], exponent: int
) -> None:
    # Readings scale a float kept with the sum; near and below the smallest normal float,
    # where scaling would round twice, they come from the exact total instead.
    kept = tuple(sorted(dict(blocks).items()))
    total = sum(Fraction(units) * 2 ** (64 * (block - kept[0][0])) for block, units in kept)
    exact = total * Fraction(2) ** exponent
    if abs(exact) >= 2**1023:
        return  # beyond the largest float: no reading to compare
    assert DecayedSum(None, kept)._scaled(exponent) == float(exact)
