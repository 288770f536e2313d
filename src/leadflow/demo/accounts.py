"""The demo's companies: generated customers-to-be, competitors and universities."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from leadflow.demo.vocabulary import (
    COMPANY_PREFIXES,
    COMPANY_ROOTS,
    COMPETITOR_DOMAINS,
    COMPETITOR_NAMES,
    COUNTRIES,
    COUNTRY_BY_NAME,
    INDUSTRIES,
    UNIVERSITIES,
)
from leadflow.demo.world import WorldSpec

SEGMENT_FIT = {"SMB": 0.35, "mid-market": 0.9, "enterprise": 0.85}
_COMPETITOR_EMPLOYEES = (850, 240, 1_200, 90, 400, 2_600)
_COMPETITOR_COUNTRIES = (
    "United States",
    "United States",
    "United Kingdom",
    "Germany",
    "United States",
    "Netherlands",
)


def segment_of(employees: int) -> str:
    """SMB below 200 employees, enterprise from 2,000, mid-market between."""
    if employees < 200:
        return "SMB"
    return "mid-market" if employees < 2_000 else "enterprise"


@dataclass(frozen=True)
class AccountBook:
    """Every company of the world, by index, and what the simulation knows about each."""

    rows: list[dict[str, Any]]
    fit: np.ndarray
    companies: int
    employer_cdf: np.ndarray

    @property
    def competitors(self) -> range:
        """Indices of the competitors' accounts."""
        return range(self.companies, self.companies + len(COMPETITOR_DOMAINS))

    @property
    def universities(self) -> range:
        """Indices of the universities' accounts."""
        start = self.companies + len(COMPETITOR_DOMAINS)
        return range(start, start + len(UNIVERSITIES))

    def employer(self, u: float) -> int:
        """A company for a lead to work at, bigger ones more often, from a uniform draw."""
        return int(np.searchsorted(self.employer_cdf, u * self.employer_cdf[-1], side="right"))


def _row(spec: WorldSpec, **fields: Any) -> dict[str, Any]:
    return {
        "external_id": None,
        "owner_id": None,
        "attributes": {},
        "created_at": spec.starts_at,
        "updated_at": spec.starts_at,
        **fields,
    }


def _company_names(rng: np.random.Generator, industries: np.ndarray, countries: np.ndarray):
    taken = set(COMPETITOR_DOMAINS) | {university.domain for university in UNIVERSITIES}
    for industry, country in zip(industries, countries, strict=True):
        suffixes, tlds = INDUSTRIES[industry].suffixes, COUNTRIES[country].tlds
        while True:
            name = (
                COMPANY_PREFIXES[rng.integers(len(COMPANY_PREFIXES))]
                + COMPANY_ROOTS[rng.integers(len(COMPANY_ROOTS))]
                + suffixes[rng.integers(len(suffixes))]
            )
            tld = tlds[rng.integers(len(tlds))]
            domain = "".join(ch for ch in name.lower() if ch.isalnum()) + tld
            if domain not in taken:
                taken.add(domain)
                yield name, domain
                break


def make_accounts(spec: WorldSpec) -> AccountBook:
    """The world's companies: rows for the accounts table plus each one's hidden fit."""
    rng = spec.accounts_rng()
    n = spec.accounts
    industry_weights = np.array([industry.weight for industry in INDUSTRIES], dtype=float)
    country_weights = np.array([country.weight for country in COUNTRIES], dtype=float)
    industries = rng.choice(len(INDUSTRIES), size=n, p=industry_weights / industry_weights.sum())
    countries = rng.choice(len(COUNTRIES), size=n, p=country_weights / country_weights.sum())
    employees = np.clip(np.round(rng.lognormal(np.log(150), 1.7, n)), 3, 300_000).astype(int)
    revenue_noise = rng.lognormal(0.0, 0.4, n)
    fit_noise = rng.normal(0.0, 0.08, n)
    rows: list[dict[str, Any]] = []
    fits: list[float] = []
    names = _company_names(rng, industries, countries)
    for i, (name, domain) in enumerate(names):
        industry, country = INDUSTRIES[industries[i]], COUNTRIES[countries[i]]
        size = int(employees[i])
        segment = segment_of(size)
        revenue = size * industry.revenue_per_employee * revenue_noise[i]
        rows.append(
            _row(
                spec,
                domain=domain,
                name=name,
                industry=industry.name,
                employees=size,
                annual_revenue=float(round(revenue, -3)),
                country=country.name,
                region=country.region,
                segment=segment,
            )
        )
        fits.append(0.6 * industry.fit + 0.4 * SEGMENT_FIT[segment] + fit_noise[i])
    for name, domain, size, country_name in zip(
        COMPETITOR_NAMES,
        COMPETITOR_DOMAINS,
        _COMPETITOR_EMPLOYEES,
        _COMPETITOR_COUNTRIES,
        strict=True,
    ):
        rows.append(_place(spec, name, domain, "Software", size, country_name, 250_000.0))
        fits.append(0.0)
    for university in UNIVERSITIES:
        rows.append(
            _place(
                spec,
                university.name,
                university.domain,
                "Higher Education",
                university.employees,
                university.country,
                110_000.0,
            )
        )
        fits.append(0.05)
    weights = employees.astype(float) ** 0.45
    return AccountBook(
        rows=rows,
        fit=np.clip(np.array(fits), 0.0, 1.0),
        companies=n,
        employer_cdf=np.cumsum(weights),
    )


def _place(
    spec: WorldSpec,
    name: str,
    domain: str,
    industry: str,
    employees: int,
    country: str,
    revenue_per_employee: float,
) -> dict[str, Any]:
    return _row(
        spec,
        domain=domain,
        name=name,
        industry=industry,
        employees=employees,
        annual_revenue=float(employees * revenue_per_employee),
        country=country,
        region=COUNTRY_BY_NAME[country].region,
        segment=segment_of(employees),
    )
