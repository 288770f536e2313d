"""The demo world's parameters: size, seed and a fixed time window, so a seed is a world."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property

import numpy as np

from leadflow.errors import InvalidInputError

# The world ends on a fixed day, never "today": the same seed must give the same rows.
DEFAULT_END = date(2026, 10, 31)
DEFAULT_LEADS = 5_000
DEFAULT_MONTHS = 12
DEFAULT_SEED = 42
MAX_LEADS = 10_000_000
MAX_MONTHS = 36

# Who a simulated lead really is; only `buyer` and `browser` can ever buy.
PROFILES = ("buyer", "browser", "student", "job_seeker", "competitor", "disposable")
TIRE_KICKERS = frozenset({"student", "job_seeker", "competitor", "disposable"})

# Child seeds of SeedSequence(seed): one stream per part of the world, one per lead.
_ACCOUNTS_STREAM, _TEAM_STREAM, _SPEND_STREAM, _LEADS_STREAM = range(4)


@dataclass(frozen=True)
class Month:
    """One calendar month of the window, clipped to it; days counted from the world's start."""

    year: int
    month: int
    first_day: float
    days: int

    @property
    def quarter(self) -> int:
        """Calendar quarter, 1 to 4."""
        return (self.month - 1) // 3 + 1


@dataclass(frozen=True)
class WorldSpec:
    """How big the world is, which seed makes it, and the months it covers up to `end`."""

    leads: int = DEFAULT_LEADS
    months: int = DEFAULT_MONTHS
    seed: int = DEFAULT_SEED
    end: date = DEFAULT_END

    def __post_init__(self) -> None:
        if not 1 <= self.leads <= MAX_LEADS:
            raise InvalidInputError(f"--leads: must be 1 to {MAX_LEADS:,}, got {self.leads}")
        if not 1 <= self.months <= MAX_MONTHS:
            raise InvalidInputError(f"--months: must be 1 to {MAX_MONTHS}, got {self.months}")
        if not 0 <= self.seed < 2**63:
            raise InvalidInputError(f"--seed: must be 0 to 2**63 - 1, got {self.seed}")

    @cached_property
    def start(self) -> date:
        """First day of the window: the first of the month `months - 1` before `end`'s."""
        index = self.end.year * 12 + self.end.month - 1 - (self.months - 1)
        return date(index // 12, index % 12 + 1, 1)

    @cached_property
    def starts_at(self) -> datetime:
        """The window's first instant (UTC midnight of `start`)."""
        return datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC)

    @cached_property
    def ends_at(self) -> datetime:
        """The window's end, exclusive: UTC midnight after `end`."""
        return datetime(self.end.year, self.end.month, self.end.day, tzinfo=UTC) + timedelta(days=1)

    @cached_property
    def days(self) -> int:
        """Length of the window in days."""
        return (self.ends_at - self.starts_at).days

    @property
    def accounts(self) -> int:
        """How many companies the world has: grows with the leads, within bounds."""
        return int(min(20_000, max(60, self.leads // 2)))

    def calendar(self) -> list[Month]:
        """The months of the window in order, the last one possibly partial."""
        months = []
        year, month = self.start.year, self.start.month
        for _ in range(self.months):
            first = date(year, month, 1)
            following = date(year + month // 12, month % 12 + 1, 1)
            last = min(following, self.end + timedelta(days=1))
            months.append(Month(year, month, float((first - self.start).days), (last - first).days))
            year, month = following.year, following.month
        return months

    def at(self, day: float) -> datetime:
        """The instant `day` days after the start, to the second, inside the window."""
        seconds = min(round(day * 86_400), self.days * 86_400 - 1)
        return self.starts_at + timedelta(seconds=max(seconds, 0))

    def accounts_rng(self) -> np.random.Generator:
        """The random stream that makes the companies."""
        return self._rng(_ACCOUNTS_STREAM)

    def team_rng(self) -> np.random.Generator:
        """The random stream that makes the sales team."""
        return self._rng(_TEAM_STREAM)

    def spend_rng(self) -> np.random.Generator:
        """The random stream that makes campaign spend."""
        return self._rng(_SPEND_STREAM)

    def lead_rng(self, index: int) -> np.random.Generator:
        """Lead `index`'s own stream: a lead does not depend on how leads are chunked."""
        return self._rng(_LEADS_STREAM, index)

    def _rng(self, *key: int) -> np.random.Generator:
        # Equal to SeedSequence(seed).spawn(...)[k]...: children addressed without spawning all.
        return np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=key))
        )
