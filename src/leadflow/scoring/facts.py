"""A lead as scoring sees it: flat attributes (with its account's) and its events."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.accounts.models import ACCOUNT_FIELDS, Account
from leadflow.activities.models import Activity
from leadflow.leads.models import Lead
from leadflow.scoring.events import Event
from leadflow.scoring.language.schema import LEAD_ATTRIBUTES

# Activity columns that scoring treats as event properties (the touch's attribution).
ATTRIBUTION = ("source", "medium", "campaign", "content", "term")


def lead_attributes(*, session: Session, lead: Lead) -> dict[str, Any]:
    """Lead fields and custom attributes by name; account fields as `account.<name>`."""
    values: dict[str, Any] = dict(lead.attributes or {})
    values.update({name: getattr(lead, name) for name in LEAD_ATTRIBUTES})
    account = session.get(Account, lead.account_id) if lead.account_id else None
    if account is not None:
        values.update({f"account.{k}": v for k, v in (account.attributes or {}).items()})
        values.update({f"account.{name}": getattr(account, name) for name in ACCOUNT_FIELDS})
    return values


def event_of(activity: Activity) -> Event:
    """An activity as a scoring event: its properties plus its attribution columns."""
    properties = dict(activity.properties or {})
    for name in ATTRIBUTION:
        value = getattr(activity, name)
        if value is not None:
            properties[name] = value
    return Event(
        id=activity.event_id,
        type=activity.type,
        occurred_at=activity.occurred_at,
        properties=properties,
    )


def lead_events(*, session: Session, lead_id: int) -> list[Event]:
    """Every event of a lead, oldest first."""
    activities = session.scalars(
        select(Activity).where(Activity.lead_id == lead_id).order_by(Activity.occurred_at)
    )
    return [event_of(activity) for activity in activities]
