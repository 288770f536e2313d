"""The retry schedule grows exponentially, never passes the cap, and jitter only shortens it."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.webhooks.backoff import nominal_delay, retry_delay

bases = st.floats(min_value=0.001, max_value=3600)
caps = st.floats(min_value=0.001, max_value=7 * 86400)


@given(base=bases, cap=caps, failures=st.integers(min_value=1, max_value=10_000))
def test_schedule_is_monotone_and_capped(base: float, cap: float, failures: int) -> None:
    cap = max(cap, base)
    delay = nominal_delay(failures, base=base, cap=cap)
    assert min(base, cap) <= delay <= cap
    assert nominal_delay(failures + 1, base=base, cap=cap) >= delay
    if failures < 60 and base * 2 ** (failures - 1) < cap:
        assert delay == base * 2 ** (failures - 1)


@given(
    base=bases,
    cap=caps,
    failures=st.integers(min_value=1, max_value=200),
    jitter=st.floats(min_value=0, max_value=0.99),
    seed=st.integers(),
)
def test_jitter_only_shortens_within_its_share(
    base: float, cap: float, failures: int, jitter: float, seed: int
) -> None:
    cap = max(cap, base)
    nominal = nominal_delay(failures, base=base, cap=cap)
    delay = retry_delay(failures, base=base, cap=cap, jitter=jitter, rng=random.Random(seed))
    assert nominal * (1 - jitter) <= delay <= nominal


def test_default_schedule_doubles_from_the_base() -> None:
    delays = [nominal_delay(n, base=60, cap=6 * 3600) for n in range(1, 10)]
    assert delays == [60, 120, 240, 480, 960, 1920, 3840, 7680, 15360]
    with pytest.raises(ValueError, match="at least 1"):
        nominal_delay(0, base=60, cap=60)
