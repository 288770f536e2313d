"""Where the demo's leads come from: sources, their campaigns, monthly volume and spend."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, NamedTuple

import numpy as np

from leadflow.demo.world import Month, WorldSpec


class Source(NamedTuple):
    """A lead source: UTM medium, share of leads, cost per lead if paid, who it brings.

    `profiles` weighs buyer, browser, student, job_seeker, competitor, disposable.
    """

    name: str
    medium: str
    share: float
    cost_per_lead: float | None
    profiles: tuple[float, float, float, float, float, float]


SOURCES = (
    Source("organic_search", "organic", 22, None, (38, 34, 10, 12, 2, 4)),
    Source("paid_search", "cpc", 16, 240.0, (50, 34, 4, 4, 2, 6)),
    Source("paid_social", "paid-social", 12, 260.0, (36, 44, 6, 6, 2, 6)),
    Source("content_syndication", "syndication", 14, 75.0, (30, 52, 8, 2, 2, 6)),
    Source("webinar", "webinar", 12, 120.0, (45, 37, 8, 2, 5, 3)),
    Source("events", "event", 6, 650.0, (52, 40, 4, 2, 2, 0)),
    Source("referral", "referral", 4, None, (72, 22, 2, 2, 2, 0)),
    Source("contact_us", "website", 6, None, (62, 14, 6, 10, 4, 4)),
    Source("free_trial", "product", 8, None, (48, 24, 10, 2, 6, 10)),
)
SOURCE_BY_NAME = {source.name: source for source in SOURCES}
# Hand-raisers arrive at the height of their interest; the rest come in while researching.
HAND_RAISERS = frozenset({"contact_us", "free_trial", "referral"})

TOPICS = (
    "data-governance",
    "data-quality",
    "self-serve-analytics",
    "cloud-migration",
    "ai-readiness",
    "cost-control",
    "real-time-pipelines",
    "privacy-compliance",
)
EVENTS = (
    "data-leaders-forum-austin",
    "bi-world-amsterdam",
    "cloud-data-expo-singapore",
    "analytics-summit-sao-paulo",
    "data-week-london",
    "modern-data-stack-new-york",
)
_CAMPAIGNS = {
    "paid_search": ("{q}-search-brand", "{q}-search-{topic}", "{q}-search-competitor-terms"),
    "paid_social": ("{q}-linkedin-{topic2}", "{q}-linkedin-abm-enterprise"),
    "content_syndication": ("{q}-syndication-report-{topic}",),
    "webinar": ("{q}-webinar-{topic}", "{q}-webinar-{topic2}"),
    "events": ("{q}-event-{event}",),
    "referral": ("partner-program", "customer-referral"),
}

# Relative lead volume by calendar month: summer and December are quiet.
SEASONALITY = (0.95, 1.0, 1.1, 1.0, 1.05, 1.0, 0.85, 0.75, 1.1, 1.15, 1.05, 0.7)
MONTHLY_GROWTH = 1.025
_SOURCE_SEASONS = {
    "events": {3: 1.8, 6: 1.6, 9: 1.6, 10: 1.8, 7: 0.3, 8: 0.3, 12: 0.3},
    "webinar": {7: 0.6, 8: 0.5, 12: 0.6},
}


def campaigns(source: str, month: Month) -> tuple[str, ...]:
    """The campaigns a source runs in a month (UTM campaign names); none for organic ones."""
    ordinal = month.year * 4 + month.quarter - 1
    names = {
        "q": f"{month.year}-q{month.quarter}",
        "topic": TOPICS[(ordinal * 3) % len(TOPICS)],
        "topic2": TOPICS[(ordinal * 3 + 1) % len(TOPICS)],
        "event": EVENTS[ordinal % len(EVENTS)],
    }
    return tuple(template.format(**names) for template in _CAMPAIGNS.get(source, ()))


def lead_plan(spec: WorldSpec) -> np.ndarray:
    """Probability that a lead arrives in each month (rows) from each source (columns)."""
    weights = np.zeros((spec.months, len(SOURCES)))
    for row, month in enumerate(spec.calendar()):
        volume = MONTHLY_GROWTH**row * SEASONALITY[month.month - 1] * month.days
        for column, source in enumerate(SOURCES):
            season = _SOURCE_SEASONS.get(source.name, {}).get(month.month, 1.0)
            weights[row, column] = volume * source.share * season
    return weights / weights.sum()


def spend_rows(spec: WorldSpec) -> list[dict[str, Any]]:
    """Spend per paid campaign per month: the planned leads at the source's cost per lead."""
    rng = spec.spend_rng()
    plan = lead_plan(spec)
    rows = []
    for row, month in enumerate(spec.calendar()):
        period_start = date(month.year, month.month, 1)
        period_end = period_start + timedelta(days=month.days - 1)
        for column, source in enumerate(SOURCES):
            names = campaigns(source.name, month)
            if source.cost_per_lead is None or not names:
                continue
            expected = spec.leads * plan[row, column] / len(names)
            for name in names:
                amount = expected * source.cost_per_lead * rng.lognormal(0.0, 0.15)
                rows.append(
                    {
                        "source": source.name,
                        "medium": source.medium,
                        "campaign": name,
                        "period_start": period_start,
                        "period_end": period_end,
                        "amount": round(float(amount), 2),
                        "currency": "USD",
                        "created_at": spec.at(month.first_day + month.days),
                    }
                )
    return rows
