"""Simulated events before they become rows, and the touches that made each lead."""

from __future__ import annotations

from typing import Any, NamedTuple

from leadflow.demo.content import AD_CONTENT, ASSETS, SEARCH_TERMS, landing_page
from leadflow.demo.people import Person


class Utm(NamedTuple):
    """Marketing attribution an event carries: UTM source, medium, campaign, content, term."""

    source: str
    medium: str
    campaign: str | None
    content: str | None = None
    term: str | None = None


class Event(NamedTuple):
    """One simulated event: when (days since the world's start), what, and its touch."""

    day: float
    type: str
    properties: dict[str, Any]
    utm: Utm | None = None


def asset_properties(u: float) -> dict[str, str]:
    """A content_download's properties for the asset `u` picks."""
    asset = ASSETS[int(u * len(ASSETS))]
    return {"asset": asset.slug, "asset_type": asset.asset_type, "title": asset.title}


def webinar_properties(campaign: str) -> dict[str, str]:
    """A webinar event's properties: the webinar is named by its campaign."""
    topic = campaign.split("-webinar-", 1)[-1].replace("-", " ")
    return {"webinar": campaign, "title": f"Webinar: {topic}"}


def first_touches(person: Person, u: Any) -> list[Event]:
    """The events that made the lead; they carry its source, medium and campaign.

    `u` holds three uniform draws. Web conversions come a few minutes after the landing
    page view, so the first touch is always the lead's own source.
    """
    row = person.row
    source, campaign = row["source"], row["campaign"]
    utm = Utm(
        source,
        row["medium"],
        campaign,
        content=AD_CONTENT[int(u[2] * len(AD_CONTENT))] if source == "paid_social" else None,
        term=SEARCH_TERMS[int(u[2] * len(SEARCH_TERMS))] if source == "paid_search" else None,
    )
    day = person.created_day
    if source == "content_syndication":
        return [Event(day, "content_download", asset_properties(u[1]), utm)]
    if source == "webinar":
        return [Event(day, "webinar_registered", webinar_properties(campaign), utm)]
    if source == "events":
        return [Event(day, "form_submit", {"form": "event-badge-scan", "event": campaign}, utm)]
    conversion: tuple[str, dict[str, Any]]
    if source == "contact_us":
        conversion = ("contact_request", {"form": "contact-sales", "path": "/contact"})
    elif source == "free_trial":
        conversion = ("trial_signup", {"plan": "team" if u[2] < 0.7 else "business"})
    elif source == "referral":
        conversion = ("form_submit", {"form": "partner-referral"})
    elif source == "paid_social":
        conversion = ("form_submit", {"form": "linkedin-lead-gen"})
    else:
        conversion = ("form_submit", {"form": "gated-content" if u[2] < 0.6 else "newsletter"})
    landing = landing_page(source, campaign, u[1])
    later = day + (1.0 + 4.0 * float(u[0])) / 1_440
    return [
        Event(day, "page_view", landing.properties(), utm),
        Event(later, conversion[0], conversion[1], utm),
    ]
