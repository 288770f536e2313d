"""Real-time scoring: a lead's state absorbs each event in time independent of its history.

Time moves through `advance(now)`, which sets the state's watermark. An event at or before
the watermark (on time or late) goes straight into every rule's exact decayed sum and every
event query's tally. An event after the watermark (stamped in the future, as clock skew
does) waits in `pending` until time reaches it: events after t never count at t. Reading a
score at t needs t not before the watermark; to look back further, use `score_lead` on the
history. Equal sets of events give equal states and equal scores, in any arrival order.

Each event is absorbed once: the store's unique event id is what keeps repeats out.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from leadflow.scoring.engagement import EPOCH, DecayedSum, clamp, duration_micros, to_micros
from leadflow.scoring.events import Event
from leadflow.scoring.language import EventQuery
from leadflow.scoring.model import ScoringModel
from leadflow.scoring.plan import matching
from leadflow.scoring.scorer import FitMemo, LeadScore, assemble_score


@dataclass(frozen=True)
class EventTally:
    """Matching events of one query: a count when it has no window, else recent times."""

    within_us: int | None
    settled: int = 0
    # With a window: times (µs) of matches recent enough to count at the watermark or later.
    recent: tuple[int, ...] = ()

    def add(self, occurred_us: int, watermark_us: int) -> EventTally:
        """The tally with one more matching event at or before the watermark."""
        if self.within_us is None:
            return replace(self, settled=self.settled + 1)
        if occurred_us < watermark_us - self.within_us:
            return self
        position = bisect.bisect_right(self.recent, occurred_us)
        return replace(self, recent=(*self.recent[:position], occurred_us, *self.recent[position:]))

    def prune(self, watermark_us: int) -> EventTally:
        """Forget matches too old to fall in the window at the watermark or later."""
        if self.within_us is None:
            return self
        first = bisect.bisect_left(self.recent, watermark_us - self.within_us)
        return replace(self, recent=self.recent[first:]) if first else self

    def count_at(self, at_us: int) -> int:
        """Matching events in [at - within, at], for `at` not before the watermark."""
        if self.within_us is None:
            return self.settled
        since = bisect.bisect_left(self.recent, at_us - self.within_us)
        return bisect.bisect_right(self.recent, at_us) - since


@dataclass(frozen=True)
class LeadState:
    """What one scoring model needs to know about one lead's events, kept up to date."""

    model: ScoringModel
    watermark_us: int | None
    sums: tuple[DecayedSum, ...]
    tallies: tuple[EventTally, ...]
    pending: tuple[Event, ...] = ()
    # Shared by the states made from this one: the fit of the attributes last scored.
    fit_memo: FitMemo = field(default_factory=FitMemo, compare=False, repr=False)

    @property
    def watermark(self) -> datetime | None:
        """How far time has moved for this state; None before any time was given."""
        if self.watermark_us is None:
            return None
        return EPOCH + timedelta(microseconds=self.watermark_us)

    @classmethod
    def empty(cls, model: ScoringModel) -> LeadState:
        """The state of a lead with no events, before any time has been given."""
        return cls(
            model=model,
            watermark_us=None,
            sums=tuple(DecayedSum.empty(rule.half_life) for rule in model.engagement_rules),
            tallies=tuple(EventTally(_window(query)) for query in model.event_queries),
        )

    def absorb(self, event: Event) -> LeadState:
        """The state with one more event: O(rules of its type), whenever it happened."""
        occurred_us = to_micros(event.occurred_at)
        if self.watermark_us is None or occurred_us > self.watermark_us:
            # Kept in (time, id) order, so equal sets of events give equal states.
            keys = [(to_micros(e.occurred_at), e.id) for e in self.pending]
            position = bisect.bisect_right(keys, (occurred_us, event.id))
            pending = (*self.pending[:position], event, *self.pending[position:])
            return replace(self, pending=pending)
        plan = self.model.plan
        rules = matching(plan.rules_by_event.get(event.type, ()), event.properties)
        queries = matching(plan.queries_by_event.get(event.type, ()), event.properties)
        if not rules and not queries:
            return self
        sums, tallies = self.sums, self.tallies
        if rules:
            changed = list(sums)
            for index in rules:
                points = self.model.engagement_rules[index].points
                changed[index] = changed[index].add_us(occurred_us, points)
            sums = tuple(changed)
        if queries:
            counted = list(tallies)
            for index in queries:
                counted[index] = counted[index].add(occurred_us, self.watermark_us)
            tallies = tuple(counted)
        return LeadState(self.model, self.watermark_us, sums, tallies, self.pending, self.fit_memo)

    def advance(self, now: datetime) -> LeadState:
        """The state with time moved to `now`: pending events up to `now` now count."""
        now_us = to_micros(now)
        if self.watermark_us is not None and now_us < self.watermark_us:
            raise ValueError("time only moves forward: `now` precedes this state's watermark")
        if now_us == self.watermark_us and not self.pending:
            return self  # nothing due, and the tallies were pruned at this time already
        due = [e for e in self.pending if to_micros(e.occurred_at) <= now_us]
        tallies = tuple(tally.prune(now_us) for tally in self.tallies)
        pending = self.pending[len(due) :]
        state = LeadState(self.model, now_us, self.sums, tallies, pending, self.fit_memo)
        for event in due:
            state = state.absorb(event)
        return state

    def score(self, attributes: Mapping[str, Any], *, at: datetime) -> LeadScore:
        """The lead's score at `at` (not before the watermark), as `score_lead` defines it;
        the fit is reused while the attributes equal the ones last scored."""
        state = self.advance(at)
        at_us = to_micros(at)
        engagement = [
            clamp(total.value_at_us(at_us), rule.cap) if total.blocks else 0.0
            for rule, total in zip(self.model.engagement_rules, state.sums, strict=True)
        ]
        counts = {
            query: tally.count_at(at_us)
            for query, tally in zip(self.model.event_queries, state.tallies, strict=True)
        }
        fit_parts = self.fit_memo.fit_parts(self.model, attributes)
        return assemble_score(self.model, attributes, engagement, counts.__getitem__, fit_parts)


def _window(query: EventQuery) -> int | None:
    return None if query.within is None else duration_micros(query.within)
