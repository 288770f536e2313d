"""What a report groups leads by: any lead attribute, the owner or their team, the grade.

Every group value is text, and a lead without one falls in the group "(none)", so groups
compare and sort the same way on every engine.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from leadflow.analytics.tables import ReportTables, lead_attribute

NO_VALUE = "(none)"
# Fields that are not lead attributes: the owner (by name) and their team, the active score.
OWNER_FIELDS = ("owner", "team")
SCORE_FIELDS = ("grade", "fit_band", "engagement_band")


def lead_groups(tables: ReportTables, by: Sequence[str]) -> ir.Table:
    """One row per lead: `lead_id` and each field of `by` as text."""
    leads = tables.leads
    columns: dict[str, ir.Value] = {"lead_id": leads.id}
    for field in by:
        if field not in OWNER_FIELDS and field not in SCORE_FIELDS:
            columns[field] = _text(lead_attribute(tables, field))
    groups = leads.select(**columns)
    if any(field in OWNER_FIELDS for field in by):
        users = tables.users
        owners = leads.left_join(users, leads.owner_id == users.id).select(
            _lead=leads.id,
            owner=ibis.coalesce(users.name, leads.owner_id.cast("string")),
            team=users.team,
        )
        wanted = {f: _text(owners[f]) for f in by if f in OWNER_FIELDS}
        groups = _joined(groups, owners.select("_lead", **wanted))
    if any(field in SCORE_FIELDS for field in by):
        scores = tables.scores
        wanted = {f: _text(scores[f].cast("string")) for f in by if f in SCORE_FIELDS}
        groups = _joined(groups, scores.select(_lead=scores.lead_id, **wanted))
    return groups.select("lead_id", *by)


def group_value(value: ir.Value) -> ir.StringValue:
    """A value as a group's text: nulls and empty text become "(none)"."""
    return _text(value)


def _text(value: ir.Value) -> ir.StringValue:
    text = value.cast("string")
    return ibis.cases((text.isnull() | (text == ""), NO_VALUE), else_=text)


def _joined(groups: ir.Table, other: ir.Table) -> ir.Table:
    # `other` names its lead `_lead`; a lead it lacks (no owner, no score) gets "(none)".
    joined = groups.left_join(other, groups.lead_id == other._lead)
    kept = [c for c in other.columns if c != "_lead"]
    return joined.select(*groups.columns, **{c: ibis.coalesce(joined[c], NO_VALUE) for c in kept})
