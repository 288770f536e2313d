"""Territories: which leads a team or a rep covers, by lead and account facts."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from leadflow.accounts.models import Account
from leadflow.leads.models import Lead

_RANGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?)|(\+))?\s*$")


def lead_facts(lead: Lead, account: Account | None, fields: Sequence[str]) -> dict[str, Any]:
    """Each territory field's value for a lead: its own column, its account's, then custom
    attributes of either."""
    facts: dict[str, Any] = {}
    for name in fields:
        value = getattr(lead, name, None) if name in Lead.__table__.columns else None
        if value is None and account is not None and name in Account.__table__.columns:
            value = getattr(account, name)
        if value is None:
            value = lead.attributes.get(name)
        if value is None and account is not None:
            value = account.attributes.get(name)
        facts[name] = value
    return facts


def _in_range(value: Any, allowed: Any) -> bool:
    if isinstance(allowed, int | float) and not isinstance(allowed, bool):
        return float(value) == float(allowed)
    match = _RANGE.match(str(allowed))
    if not match:
        return False
    low = float(match.group(1))
    if match.group(3):
        return float(value) >= low
    high = float(match.group(2)) if match.group(2) else low
    return low <= float(value) <= high


def _value_matches(value: Any, allowed: Any) -> bool:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _in_range(value, allowed)
    return str(value).strip().casefold() == str(allowed).strip().casefold()


def specificity(
    territory: Mapping[str, Any], facts: Mapping[str, Any], fields: Sequence[str]
) -> int | None:
    """How many territory fields a lead matches; None when any named field does not match.

    An empty territory matches every lead with specificity 0. Keys that are not territory
    fields are ignored. Numbers match ranges such as "51-200" or "1000+".
    """
    matched = 0
    for name, allowed in territory.items():
        if name not in fields:
            continue
        options = allowed if isinstance(allowed, list | tuple) else [allowed]
        value = facts.get(name)
        if value is None or not any(_value_matches(value, option) for option in options):
            return None
        matched += 1
    return matched
