"""When a failed delivery is tried again: exponential backoff, capped, with jitter."""

from __future__ import annotations

import random

# 2**62 seconds is far beyond any cap; a larger exponent would only risk float overflow.
_MAX_EXPONENT = 62


def nominal_delay(failures: int, *, base: float, cap: float) -> float:
    """Seconds before the next try after `failures` failed attempts: min(cap, base·2^(n-1))."""
    if failures < 1:
        raise ValueError(f"failures must be at least 1, got {failures}")
    return min(cap, base * 2.0 ** min(failures - 1, _MAX_EXPONENT))


def retry_delay(
    failures: int, *, base: float, cap: float, jitter: float, rng: random.Random
) -> float:
    """The nominal delay less a random share of up to `jitter` of it, so retries spread out."""
    return nominal_delay(failures, base=base, cap=cap) * (1.0 - jitter * rng.random())
