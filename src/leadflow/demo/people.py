"""Who each demo lead is: profile, source, arrival time, name, title, e-mail and company."""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from leadflow.demo.accounts import AccountBook
from leadflow.demo.marketing import SOURCES, Source, campaigns, lead_plan
from leadflow.demo.vocabulary import (
    COMPETITOR_TITLES,
    COUNTRIES,
    COUNTRY_BY_NAME,
    DISPOSABLE_DOMAINS,
    FIRST_NAMES,
    FREE_MAIL_DOMAINS,
    JOB_SEEKER_TITLES,
    JUNK_NAMES,
    LAST_NAMES,
    STUDENT_TITLES,
    TITLES,
    Title,
)
from leadflow.demo.world import PROFILES, Month, WorldSpec
from leadflow.leads.identity import DomainRules, email_domain

# Share of each profile writing from a free-mail address instead of a work one.
_FREE_MAIL_SHARE = {"buyer": 0.12, "browser": 0.22, "student": 0.45, "job_seeker": 0.8}
_WEEKEND_WEIGHT = 0.35
_HOURS = np.array([1, 1, 1, 1, 1, 2, 4, 7, 10, 12, 12, 11, 10, 11, 12, 12, 10, 7, 5, 4, 3, 2, 2, 1])
_TITLE_CHOICES: dict[str, tuple[Title, ...]] = {
    "buyer": TITLES,
    "browser": TITLES,
    "student": STUDENT_TITLES,
    "job_seeker": JOB_SEEKER_TITLES,
    "competitor": COMPETITOR_TITLES,
    "disposable": TITLES,
}


@dataclass(frozen=True)
class Person:
    """A lead as the simulation knows it: the row marketing sees and the hidden rest."""

    row: dict[str, Any]
    profile: str
    account: int | None
    employer: int | None
    hidden_fit: float
    created_day: float
    month: Month
    source: Source


def _cdf(weights: Any) -> np.ndarray:
    values = np.cumsum(np.asarray(weights, dtype=float))
    return values / values[-1]


def _pick(cdf: np.ndarray, u: float) -> int:
    return min(int(np.searchsorted(cdf, u, side="right")), len(cdf) - 1)


def _slug(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


class PeopleMaker:
    """Makes lead after lead; e-mails stay unique through a counter per domain."""

    def __init__(self, *, spec: WorldSpec, book: AccountBook, rules: DomainRules) -> None:
        self.spec, self.book, self.rules = spec, book, rules
        self.months = spec.calendar()
        self.plan = _cdf(lead_plan(spec).ravel())
        self.profiles = [_cdf(source.profiles) for source in SOURCES]
        self.days = [_cdf([self._day_weight(m, d) for d in range(m.days)]) for m in self.months]
        self.hours = _cdf(_HOURS)
        self.countries = _cdf([country.weight for country in COUNTRIES])
        self.free_mail = _cdf([weight for _, weight in FREE_MAIL_DOMAINS])
        self.titles = {
            profile: _cdf([self._title_weight(profile, t) for t in choices])
            for profile, choices in _TITLE_CHOICES.items()
        }
        self.counters: dict[str, int] = {}

    def _day_weight(self, month: Month, day: int) -> float:
        weekday = (self.spec.start.toordinal() + int(month.first_day) + day) % 7
        return _WEEKEND_WEIGHT if weekday in (0, 6) else 1.0  # ordinal % 7: 0 Sunday

    @staticmethod
    def _title_weight(profile: str, title: Title) -> float:
        if profile == "buyer":
            return title.fit + 0.1
        return 1.1 - title.fit if profile == "browser" else 1.0

    def make(self, rng: np.random.Generator) -> Person:
        """The next lead, drawn from its own random stream."""
        u = rng.random(14)
        cell = _pick(self.plan, u[0])
        month_index, source_index = divmod(cell, len(SOURCES))
        month, source = self.months[month_index], SOURCES[source_index]
        profile = PROFILES[_pick(self.profiles[source_index], u[1])]
        names = campaigns(source.name, month)
        day = month.first_day + _pick(self.days[month_index], u[2])
        created_day = min(day + (_pick(self.hours, u[3]) + u[4]) / 24, self.spec.days - 0.05)
        choices = _TITLE_CHOICES[profile]
        title = choices[_pick(self.titles[profile], u[5])]
        employer = self._employer(profile, u[6])
        domain, account = self._domain(profile, employer, u[7], u[8])
        first, last, email = self._address(profile, domain, u[9])
        company = self._company(profile, employer, account, u[10])
        place = self.book.rows[employer] if employer is not None else None
        country = (
            COUNTRY_BY_NAME[place["country"]] if place else COUNTRIES[_pick(self.countries, u[11])]
        )
        if profile in ("buyer", "browser"):
            noise = rng.normal(0.0, 0.06)
            fit = 0.55 * title.fit + 0.45 * float(self.book.fit[employer]) + noise
        else:
            fit = rng.uniform(0.0, 0.1)
        created_at = self.spec.at(created_day)
        linked = self.rules.account_domain(email) is not None
        row = {
            "email": email,
            "external_id": None,
            "email_domain": email_domain(email),
            "is_free_email": self.rules.is_free_mail(domain),
            "is_disposable_email": self.rules.is_disposable(domain),
            "first_name": first,
            "last_name": last,
            "title": title.title,
            "seniority": title.seniority,
            "department": title.department,
            "persona": title.persona,
            "company": company,
            "phone": None,
            "country": country.name,
            "region": country.region,
            "city": country.cities[int(u[12] * len(country.cities))],
            "source": source.name,
            "medium": source.medium,
            "campaign": names[int(u[13] * len(names))] if names else None,
            "owner_id": None,
            "stage": "lead",
            "cycle": 1,
            "stage_changed_at": created_at,
            "attributes": {},
            "created_at": created_at,
            "updated_at": created_at,
        }
        return Person(
            row=row,
            profile=profile,
            account=account if linked else None,
            employer=employer,
            hidden_fit=float(np.clip(fit, 0.0, 1.0)),
            created_day=created_day,
            month=month,
            source=source,
        )

    def _employer(self, profile: str, u: float) -> int | None:
        if profile in ("buyer", "browser", "job_seeker"):
            return self.book.employer(u)
        if profile == "competitor":
            return self.book.competitors[int(u * len(self.book.competitors))]
        if profile == "student":
            return self.book.universities[int(u * len(self.book.universities))]
        return None

    def _domain(
        self, profile: str, employer: int | None, u: float, v: float
    ) -> tuple[str, int | None]:
        if profile == "disposable":
            return DISPOSABLE_DOMAINS[int(u * len(DISPOSABLE_DOMAINS))], None
        if employer is None or v < _FREE_MAIL_SHARE.get(profile, 0.0):
            return FREE_MAIL_DOMAINS[_pick(self.free_mail, u)][0], None
        return str(self.book.rows[employer]["domain"]), employer

    def _address(self, profile: str, domain: str, u: float) -> tuple[str, str, str]:
        # The k-th person at a domain gets the k-th name of a permutation of all name
        # pairs: unique without remembering every address, however many leads there are.
        k = self.counters.get(domain, 0)
        self.counters[domain] = k + 1
        pairs = len(FIRST_NAMES) * len(LAST_NAMES)
        digest = zlib.crc32(f"{self.spec.seed}:{domain}".encode())
        step = 1 + 30 * (digest % 1_000)
        while math.gcd(step, pairs) != 1:
            step += 30
        first_index, last_index = divmod((step * k + digest) % pairs, len(LAST_NAMES))
        first, last = FIRST_NAMES[first_index], LAST_NAMES[last_index]
        if profile == "disposable":
            if u < 0.4:
                first = last = JUNK_NAMES[int(u * 100) % len(JUNK_NAMES)]
            return first, last, f"{_slug(first)}{k}@{domain}"
        suffix = str(k // pairs + 1) if k >= pairs else ""
        return first, last, f"{_slug(first)}.{_slug(last)}{suffix}@{domain}"

    def _company(self, profile: str, employer: int | None, account: int | None, u: float) -> Any:
        if account is not None:
            return self.book.rows[account]["name"]
        if employer is not None and profile != "job_seeker" and u < 0.7:
            return self.book.rows[employer]["name"]
        return None
