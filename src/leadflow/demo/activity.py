"""A demo lead's activity: Poisson streams of events whose intensity follows its intent."""

from __future__ import annotations

import bisect
from typing import NamedTuple

import numpy as np

from leadflow.demo.content import CAREERS, FORMS, PRICING, PRODUCT, email_campaign, reading_list
from leadflow.demo.intent import Intent
from leadflow.demo.marketing import SOURCE_BY_NAME, campaigns
from leadflow.demo.people import Person
from leadflow.demo.touches import (
    Event,
    Utm,
    asset_properties,
    first_touches,
    webinar_properties,
)
from leadflow.demo.world import PROFILES, Month, WorldSpec


class Stream(NamedTuple):
    """Events of one kind: a base rate from plain curiosity plus a rate driven by intent.

    `base` is per day at activity level 1, spread over about `DORMANCY` days after arrival
    ("decay") or over the lead's whole life ("steady", e-mails keep coming). `intent` is per
    day at an agenda peak of 1, following the intent curve raised to `sharpness`: the higher
    it is, the closer to the peak the events come.
    """

    name: str
    type: str
    base: float
    intent: float
    sharpness: float
    steady: bool = False
    once: bool = False


DORMANCY = 45.0
STREAMS = (
    Stream("content", "page_view", 0.15, 0.20, 1),
    Stream("product", "page_view", 0.04, 0.18, 1),
    Stream("pricing", "page_view", 0.005, 0.22, 2),
    Stream("careers", "page_view", 0.002, 0.01, 1),
    Stream("download", "content_download", 0.02, 0.04, 1),
    Stream("webinar", "webinar_registered", 0.006, 0.012, 1),
    Stream("email_open", "email_open", 0.03, 0.08, 1, steady=True),
    Stream("email_click", "email_click", 0.004, 0.04, 1, steady=True),
    Stream("form", "form_submit", 0.004, 0.006, 1),
    Stream("demo", "demo_request", 0.0, 0.02, 3, once=True),
    Stream("trial", "trial_signup", 0.0, 0.01, 3, once=True),
    Stream("contact", "contact_request", 0.0, 0.006, 3, once=True),
)
_INDEX = {stream.name: i for i, stream in enumerate(STREAMS)}
_ONCE = frozenset(stream.type for stream in STREAMS if stream.once)
_EMAIL_TYPES = frozenset({"email_open", "email_click"})

# (base, intent) multipliers per profile; streams not named keep (1, 1).
_PROFILE_RATES: dict[str, dict[str, tuple[float, float]]] = {
    "student": {
        "content": (1.5, 1.5), "product": (0.5, 0.3), "pricing": (0.2, 0.05),
        "download": (3.0, 2.5), "webinar": (2.0, 2.0), "email_open": (1.0, 0.5),
        "email_click": (1.0, 0.5), "demo": (0.0, 0.0), "trial": (0.0, 0.6),
        "contact": (0.0, 0.0),
    },
    "job_seeker": {
        "content": (0.8, 0.5), "product": (0.5, 0.2), "pricing": (0.2, 0.0),
        "careers": (5.0, 35.0), "download": (0.5, 0.3), "webinar": (0.5, 0.3),
        "email_click": (1.0, 0.3), "demo": (0.0, 0.0), "trial": (0.0, 0.1),
        "contact": (0.0, 0.2),
    },
    "competitor": {
        "content": (1.0, 1.2), "product": (1.5, 1.5), "pricing": (3.0, 1.6),
        "webinar": (1.0, 1.5), "email_open": (1.0, 0.8), "email_click": (1.0, 0.5),
        "form": (1.0, 0.5), "demo": (0.0, 0.4), "trial": (0.0, 1.5), "contact": (0.0, 0.0),
    },
    "disposable": {
        "content": (0.5, 0.3), "product": (0.5, 0.3), "pricing": (0.3, 0.2),
        "careers": (0.0, 0.0), "download": (3.0, 2.0), "webinar": (0.5, 0.5),
        "demo": (0.0, 0.2), "trial": (0.0, 1.2), "contact": (0.0, 0.2),
    },
}  # fmt: skip
_RATES = {
    profile: np.array([_PROFILE_RATES.get(profile, {}).get(s.name, (1.0, 1.0)) for s in STREAMS]).T
    for profile in PROFILES
}
_BOUNCE = {"disposable": 0.9}
_UNSUBSCRIBE = {"buyer": 0.04, "browser": 0.08, "student": 0.15, "job_seeker": 0.2}


class ActivityMaker:
    """Turns a lead and its intent into events, from the lead's own random stream."""

    def __init__(self, *, spec: WorldSpec) -> None:
        self.spec = spec
        self.months = spec.calendar()
        self.starts = [month.first_day for month in self.months]
        self.reading = {}
        for profile in PROFILES:
            pages, weights = reading_list(profile)
            cdf = np.cumsum(weights)
            self.reading[profile] = (pages, (cdf / cdf[-1]).tolist())

    def month_of(self, day: float) -> Month:
        """The month a day falls in."""
        return self.months[max(bisect.bisect_right(self.starts, day) - 1, 0)]

    def events(self, person: Person, intent: Intent, rng: np.random.Generator) -> list[Event]:
        """Every event of the lead, in time order, inside its life in the world."""
        start, end = person.created_day, float(self.spec.days)
        rates = _RATES[person.profile]
        base = np.array([s.base for s in STREAMS]) * rates[0] * intent.level
        spans = np.array([end - start if s.steady else DORMANCY for s in STREAMS])
        peak = np.array([s.intent * intent.area(s.sharpness) for s in STREAMS])
        base_counts = rng.poisson(base * spans)
        intent_counts = rng.poisson(peak * rates[1] * intent.agenda)
        base_streams = np.repeat(np.arange(len(STREAMS)), base_counts)
        intent_streams = np.repeat(np.arange(len(STREAMS)), intent_counts)
        steady = np.array([STREAMS[i].steady for i in base_streams], dtype=bool)
        base_days = start + np.where(
            steady,
            rng.random(base_streams.size) * (end - start),
            rng.exponential(DORMANCY, base_streams.size),
        )
        sharp = np.sqrt([STREAMS[i].sharpness for i in intent_streams])
        rising = rng.random(intent_streams.size) * (intent.rise + intent.fade) < intent.rise
        spread = np.abs(rng.standard_normal(intent_streams.size)) / sharp
        intent_days = intent.peak_day + np.where(
            rising, -spread * intent.rise, spread * intent.fade
        )
        days = np.concatenate([base_days, intent_days])
        streams = np.concatenate([base_streams, intent_streams])
        inside = (days > start + 0.01) & (days < end)
        order = np.lexsort((streams[inside], days[inside]))
        days, streams = days[inside][order], streams[inside][order]
        draws = rng.random((days.size, 2))
        events = first_touches(person, rng.random(3))
        for day, stream, (u, v) in zip(days.tolist(), streams.tolist(), draws, strict=True):
            events.append(self._event(person.profile, STREAMS[stream], day, float(u), float(v)))
        events = self._once(events)
        events = self._mail_outcomes(person, events, rng)
        events += self._attendance(events, intent, rng)
        return sorted(events, key=lambda event: event.day)

    def _event(self, profile: str, stream: Stream, day: float, u: float, v: float) -> Event:
        month = self.month_of(day)
        if stream.type == "page_view":
            return Event(
                day, "page_view", self._page(profile, stream, u), self._retarget(stream, month, v)
            )
        if stream.type == "content_download":
            syndicated = v < 0.15
            utm = self._utm("content_syndication", month, u) if syndicated else None
            return Event(day, stream.type, asset_properties(u), utm)
        if stream.type == "webinar_registered":
            webinar = campaigns("webinar", month)[int(u * 2)]
            return Event(
                day, stream.type, webinar_properties(webinar), self._utm("webinar", month, u)
            )
        if stream.type in _EMAIL_TYPES:
            name = email_campaign(month, u)
            utm = Utm("email", "email", name) if stream.type == "email_click" else None
            return Event(day, stream.type, {"email_campaign": name}, utm)
        if stream.type == "form_submit":
            return Event(day, stream.type, {"form": FORMS[int(u * len(FORMS))]})
        if stream.type == "demo_request":
            return Event(day, stream.type, {"form": "request-demo", "path": "/demo"})
        if stream.type == "trial_signup":
            return Event(day, stream.type, {"plan": "team" if u < 0.7 else "business"})
        return Event(day, stream.type, {"form": "contact-sales", "path": "/contact"})

    def _page(self, profile: str, stream: Stream, u: float) -> dict[str, str]:
        if stream.name == "content":
            pages, cdf = self.reading[profile]
            return pages[min(bisect.bisect_right(cdf, u), len(pages) - 1)].properties()
        pool = {"product": PRODUCT, "pricing": PRICING, "careers": CAREERS}[stream.name]
        return pool[int(u * len(pool))].properties()

    def _retarget(self, stream: Stream, month: Month, v: float) -> Utm | None:
        if stream.name not in ("product", "pricing") or v >= 0.08:
            return None
        return self._utm("paid_social" if v < 0.05 else "paid_search", month, v)

    @staticmethod
    def _utm(source: str, month: Month, u: float) -> Utm:
        names = campaigns(source, month)
        return Utm(source, SOURCE_BY_NAME[source].medium, names[int(u * len(names))])

    @staticmethod
    def _once(events: list[Event]) -> list[Event]:
        # A demo is requested, a trial started, sales contacted once; repeats are dropped.
        seen: set[str] = set()
        kept = []
        for event in events:
            if event.type in _ONCE:
                if event.type in seen:
                    continue
                seen.add(event.type)
            kept.append(event)
        return kept

    def _mail_outcomes(
        self, person: Person, events: list[Event], rng: np.random.Generator
    ) -> list[Event]:
        # A bounced address gets no more e-mail; an unsubscribed lead opens none after.
        u = rng.random(4)
        start, end = person.created_day, float(self.spec.days)
        if u[0] < _BOUNCE.get(person.profile, 0.015):
            day = start + 0.05 + rng.exponential(3.0)
            kept = [event for event in events if event.type not in _EMAIL_TYPES]
            if day < end:
                name = email_campaign(self.month_of(day), float(u[2]))
                kept.append(
                    Event(day, "email_bounce", {"email_campaign": name, "bounce_type": "hard"})
                )
            return kept
        if u[1] < _UNSUBSCRIBE.get(person.profile, 0.05):
            day = start + 0.05 + rng.exponential(60.0)
            if day < end:
                kept = [e for e in events if e.type not in _EMAIL_TYPES or e.day < day]
                name = email_campaign(self.month_of(day), float(u[3]))
                return [*kept, Event(day, "unsubscribe", {"email_campaign": name})]
        return events

    def _attendance(
        self, events: list[Event], intent: Intent, rng: np.random.Generator
    ) -> list[Event]:
        # Some registrants attend, a few days after registering.
        attended = []
        for event in events:
            if event.type != "webinar_registered":
                continue
            u, wait = rng.random(), 1.0 + 13.0 * rng.random()
            day = event.day + wait
            if u < 0.3 + 0.4 * intent.agenda and day < self.spec.days:
                attended.append(Event(day, "webinar_attended", dict(event.properties)))
        return attended
