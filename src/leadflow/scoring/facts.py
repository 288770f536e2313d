"""A lead as scoring sees it: flat attributes (with its account's) and its events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.accounts.models import ACCOUNT_FIELDS, Account
from leadflow.activities.models import Activity
from leadflow.importing.upsert import rows_where_in
from leadflow.leads.models import Lead
from leadflow.scoring.events import Event
from leadflow.scoring.language.schema import LEAD_ATTRIBUTES

# Activity columns that scoring treats as event properties (the touch's attribution).
ATTRIBUTION = ("source", "medium", "campaign", "content", "term")
# What scoring reads of an account: its fields and custom attributes.
_ACCOUNT_COLUMNS = ("id", "attributes", *ACCOUNT_FIELDS)
# What scoring reads of an activity, and the lead it belongs to.
_EVENT_COLUMNS = ("lead_id", "event_id", "type", "occurred_at", "properties", *ATTRIBUTION)


def lead_attributes(*, session: Session, lead: Lead) -> dict[str, Any]:
    """Lead fields and custom attributes by name; account fields as `account.<name>`."""
    account = session.get(Account, lead.account_id) if lead.account_id else None
    values = None
    if account is not None:
        values = {name: getattr(account, name) for name in _ACCOUNT_COLUMNS}
    return _attributes(lead, values)


def leads_attributes(*, session: Session, leads: Iterable[Lead]) -> dict[int, dict[str, Any]]:
    """`lead_attributes` of many leads by id, their accounts read in one query per 1,000."""
    leads = list(leads)
    session.flush()  # the rows below are read past the session
    accounts = {
        row["id"]: row
        for row in rows_where_in(
            session.connection(),
            Account.__table__,  # type: ignore[arg-type]
            "id",
            (lead.account_id for lead in leads),
            _ACCOUNT_COLUMNS,
        )
    }
    return {lead.id: _attributes(lead, accounts.get(lead.account_id)) for lead in leads}


def _attributes(lead: Lead, account: Mapping[str, Any] | None) -> dict[str, Any]:
    values: dict[str, Any] = dict(lead.attributes or {})
    values.update({name: getattr(lead, name) for name in LEAD_ATTRIBUTES})
    if account is not None:
        values.update({f"account.{k}": v for k, v in (account["attributes"] or {}).items()})
        values.update({f"account.{name}": account[name] for name in ACCOUNT_FIELDS})
    return values


def event_of(activity: Activity) -> Event:
    """An activity as a scoring event: its properties plus its attribution columns."""
    return _event({name: getattr(activity, name) for name in _EVENT_COLUMNS})


def _event(activity: Mapping[str, Any]) -> Event:
    properties = dict(activity["properties"] or {})
    for name in ATTRIBUTION:
        value = activity[name]
        if value is not None:
            properties[name] = value
    return Event(
        id=activity["event_id"],
        type=activity["type"],
        occurred_at=activity["occurred_at"],
        properties=properties,
    )


def lead_events(*, session: Session, lead_id: int) -> list[Event]:
    """Every event of a lead, oldest first."""
    activities = session.scalars(
        select(Activity).where(Activity.lead_id == lead_id).order_by(Activity.occurred_at)
    )
    return [event_of(activity) for activity in activities]


def leads_events(*, session: Session, lead_ids: Sequence[int]) -> dict[int, list[Event]]:
    """Every event of each of these leads (in no particular order: scoring never depends on
    it), read in one query per 1,000 leads."""
    session.flush()  # the rows below are read past the session
    table = Activity.__table__
    found: dict[int, list[Event]] = {lead_id: [] for lead_id in lead_ids}
    rows = rows_where_in(session.connection(), table, "lead_id", lead_ids, _EVENT_COLUMNS)  # type: ignore[arg-type]
    for row in rows:
        found[row["lead_id"]].append(_event(row))
    return found
