"""The handoff brief: facts, source, score reasons, recent activity, content consumed."""

from datetime import UTC, datetime, timedelta
from typing import Any

from leadflow.activities.models import Activity
from leadflow.lifecycle.brief import build_brief, top_reasons
from leadflow.lifecycle.flows import handoff

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def _activity(world: Any, lead: Any, n: int, kind: str, **props: Any) -> None:
    world.session.add(
        Activity(
            event_id=f"e{n}",
            lead_id=lead.id,
            type=kind,
            occurred_at=T0 - timedelta(hours=100 - n),
            properties=props,
            campaign="spring" if n % 2 else None,
        )
    )


def test_brief_carries_what_marketing_knows(world: Any, settings: Any) -> None:
    world.user("rep@x.com")
    acme = world.account("acme.com", industry="Software", employees=250, segment="mid-market")
    lead = world.lead(
        "ann@acme.com",
        first_name="Ann",
        last_name="Lee",
        title="VP Finance",
        account_id=acme.id,
        source="webinar",
        campaign="spring",
    )
    _activity(world, lead, 1, "content_download", title="ROI guide")
    _activity(world, lead, 2, "webinar_attended", name="Close faster")
    _activity(world, lead, 3, "page_view", url="https://acme.io/pricing")
    for n in range(4, 16):
        _activity(world, lead, n, "page_view", url=f"https://acme.io/blog/{n}")
    world.session.flush()
    snapshot = {
        "fit": 55,
        "engagement": 70,
        "grade": "A1",
        "model_version": "v2",
        "explanation": [
            {"rule": "title is VP", "points": 25},
            {"rule": "pricing page", "points": 30},
            {"rule": "gmail", "points": -40},
        ],
    }
    brief = build_brief(session=world.session, lead=lead, score_snapshot=snapshot)
    assert brief["lead"]["name"] == "Ann Lee" and brief["lead"]["title"] == "VP Finance"
    assert brief["account"]["industry"] == "Software" and brief["account"]["employees"] == 250
    assert brief["acquisition"] == {"source": "webinar", "medium": None, "campaign": "spring"}
    assert [r["rule"] for r in brief["score"]["top_reasons"]] == [
        "gmail",
        "pricing page",
        "title is VP",
    ]
    assert brief["score"]["grade"] == "A1"
    assert len(brief["last_activities"]) == 10
    assert brief["last_activities"][0]["title"] == "https://acme.io/blog/15"
    assert [c["title"] for c in brief["content_consumed"]] == [
        "https://acme.io/pricing",
        "Close faster",
        "ROI guide",
    ]
    handoff(session=world.session, lead=lead, at=T0, snapshot=snapshot, settings=settings)
    sent = world.events("lead.assigned")[0]["data"]["brief"]
    assert sent["score"]["model_version"] == "v2"
    # Later briefs fall back to the score recorded with the last stage change.
    assert build_brief(session=world.session, lead=lead)["score"]["fit"] == 55


def test_top_reasons_reads_either_shape_and_keeps_the_largest() -> None:
    assert top_reasons({"a": 1, "b": -9, "c": 5}, limit=2) == [
        {"rule": "b", "points": -9},
        {"rule": "c", "points": 5},
    ]
    assert top_reasons([{"name": "x", "points": 3}, "junk", {"label": "y"}]) == [
        {"name": "x", "rule": "x", "points": 3},
        {"label": "y", "rule": "y", "points": 0},
    ]
    assert top_reasons([["pricing page", 30], ["gmail", -40], ("title", 5)], limit=2) == [
        {"rule": "gmail", "points": -40},
        {"rule": "pricing page", "points": 30},
    ]
    assert top_reasons(None) == []


def test_a_lead_without_account_or_score(world: Any) -> None:
    lead = world.lead("solo@gmail.com")
    brief = build_brief(session=world.session, lead=lead)
    assert brief["account"] is None and brief["score"] is None
    assert brief["last_activities"] == [] and brief["content_consumed"] == []
