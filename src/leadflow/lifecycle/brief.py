"""The handoff brief: what marketing knows about a lead, so the rep can open the conversation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from leadflow.accounts.models import Account
from leadflow.activities.models import Activity
from leadflow.leads.models import Lead
from leadflow.lifecycle.history import last_snapshot

LAST_ACTIVITIES = 10
CONTENT_ITEMS = 20
TOP_REASONS = 5
CONTENT_TYPES = ("content_download", "webinar_registered", "webinar_attended", "video_watched")
_TITLE_KEYS = ("title", "name", "asset", "content", "webinar", "url", "path", "page")


def _title(activity: Activity) -> str | None:
    props = activity.properties or {}
    for key in _TITLE_KEYS:
        if props.get(key):
            return str(props[key])
    return activity.content or activity.campaign


def _is_pricing_view(activity: Activity) -> bool:
    props = activity.properties or {}
    where = " ".join(str(props.get(k, "")) for k in ("url", "path", "page", "title"))
    return activity.type == "page_view" and "pricing" in where.lower()


def top_reasons(explanation: Any, limit: int = TOP_REASONS) -> list[dict[str, Any]]:
    """The largest contributions of a score explanation: rule -> points, or a list of
    {"rule", "points"} records or [rule, points] pairs."""
    items: list[dict[str, Any]] = []
    if isinstance(explanation, Mapping):
        items = [{"rule": str(k), "points": v} for k, v in explanation.items()]
    elif isinstance(explanation, list):
        for entry in explanation:
            if isinstance(entry, Mapping):
                rule = entry.get("rule") or entry.get("name") or entry.get("label")
                items.append({**entry, "rule": rule, "points": entry.get("points", 0)})
            elif isinstance(entry, list | tuple) and len(entry) == 2:
                items.append({"rule": str(entry[0]), "points": entry[1]})
    numeric = [i for i in items if isinstance(i["points"], int | float)]
    return sorted(numeric, key=lambda i: -abs(i["points"]))[:limit]


def _score(snapshot: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not snapshot:
        return None
    score = {k: snapshot.get(k) for k in ("fit", "engagement", "grade", "model_version")}
    score["top_reasons"] = top_reasons(snapshot.get("explanation"))
    return score


def _account(account: Account | None) -> dict[str, Any] | None:
    if account is None:
        return None
    fields = ("id", "name", "domain", "industry", "employees", "annual_revenue", "country")
    return {f: getattr(account, f) for f in (*fields, "region", "segment")} | {
        "attributes": dict(account.attributes or {})
    }


def _activity(activity: Activity) -> dict[str, Any]:
    return {
        "type": activity.type,
        "occurred_at": activity.occurred_at.isoformat(),
        "title": _title(activity),
        "source": activity.source,
        "campaign": activity.campaign,
    }


def build_brief(
    *, session: Session, lead: Lead, score_snapshot: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Lead and account facts, source, score with top reasons, recent activity and content."""
    if score_snapshot is None:
        score_snapshot = last_snapshot(session, lead)
    account = session.get(Account, lead.account_id) if lead.account_id else None
    recent = session.scalars(
        select(Activity)
        .where(Activity.lead_id == lead.id)
        .order_by(Activity.occurred_at.desc(), Activity.id.desc())
        .limit(LAST_ACTIVITIES)
    ).all()
    content = session.scalars(
        select(Activity)
        .where(
            Activity.lead_id == lead.id,
            or_(Activity.type.in_(CONTENT_TYPES), Activity.type == "page_view"),
        )
        .order_by(Activity.occurred_at.desc(), Activity.id.desc())
        .limit(CONTENT_ITEMS * 10)
    ).all()
    consumed = [a for a in content if a.type in CONTENT_TYPES or _is_pricing_view(a)]
    name = " ".join(p for p in (lead.first_name, lead.last_name) if p) or None
    person = ("title", "seniority", "department", "persona", "company", "phone", "country")
    return {
        "lead": {"id": lead.id, "email": lead.email, "name": name}
        | {f: getattr(lead, f) for f in (*person, "region", "city")}
        | {"created_at": lead.created_at.isoformat(), "attributes": dict(lead.attributes or {})},
        "account": _account(account),
        "acquisition": {"source": lead.source, "medium": lead.medium, "campaign": lead.campaign},
        "score": _score(score_snapshot),
        "last_activities": [_activity(a) for a in recent],
        "content_consumed": [_activity(a) for a in consumed[:CONTENT_ITEMS]],
    }
