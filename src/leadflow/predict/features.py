"""Point-in-time features of every lead, as one Ibis expression on the store or DuckDB.

The intuition: a table of prediction points (lead, time) joins the lead's attributes and,
once per point, the lead's activities strictly up to that time; one GROUP BY point counts
them by type and window, sums their decay and finds the latest. Nothing that happened after
the point can reach its row. Ages are exact integer microseconds and each decay term is
floored to a whole nano-unit, so the sums are integers and the plain-Python twin
(`predict.online`) gives the very same floats.
"""

from __future__ import annotations

from datetime import datetime

import ibis
import ibis.expr.types as ir
import pandas as pd

from leadflow.engines.portable import epoch_us, float_literal
from leadflow.predict.spec import FeatureSpec
from leadflow.scoring.batch_inputs import BatchInputs, attribute_value
from leadflow.scoring.engagement import to_micros
from leadflow.scoring.language import Schema

DAY_US = 86_400_000_000
# Decay terms are counted in whole billionths so that sums are exact on every engine.
DECAY_UNITS = 1_000_000_000
POINT_KEYS = ("lead_id", "at_us")
_one, _zero = float_literal(1), float_literal(0)


def points_at(inputs: BatchInputs, at: datetime) -> ir.Table:
    """Every lead at one prediction time."""
    leads = inputs.leads
    return leads.select(lead_id=leads.id, at_us=ibis.literal(to_micros(at), type="int64"))


def feature_table(
    spec: FeatureSpec, schema: Schema, inputs: BatchInputs, points: ir.Table
) -> ir.Table:
    """One row per prediction point: `lead_id`, `at_us`, then `spec.columns` in order."""
    leads = inputs.leads
    frame = points.join(leads, points.lead_id == leads.id)
    if any(name.startswith("account.") for name in spec.attributes):
        frame = frame.left_join(inputs.accounts, leads.account_id == inputs.accounts.id)
    values: dict[str, ir.Value] = {}
    for name in spec.categorical:
        values[name] = attribute_value(inputs, schema, name).cast("string")
    for name in spec.numeric:
        values[name] = attribute_value(inputs, schema, name).cast("float64")
    for name in spec.boolean:
        # PostgreSQL casts no boolean to a number; missing stays missing.
        flag = attribute_value(inputs, schema, name)
        values[name] = ibis.cases((flag, _one), (~flag, _zero), else_=ibis.null("float64"))
    created_us = epoch_us(leads.created_at, inputs.backend)
    age = (points.at_us - created_us).cast("float64") / float_literal(DAY_US)
    base = frame.select(points.lead_id, points.at_us, **values, lead_age_days=age)
    tallies = _tallies(spec, inputs, points)
    joined = base.left_join(tallies, (base.lead_id == tallies._lead) & (base.at_us == tallies._at))
    activity = {name: _filled(joined[name], name) for name in spec.activity_columns()[1:]}
    return joined.select(*POINT_KEYS, *spec.attributes, "lead_age_days", **activity)


def _filled(column: ir.Value, name: str) -> ir.Value:
    """Counts and sums of no events are 0; recency of no event stays missing."""
    if "_decay_" in name:
        return column.fill_null(0).cast("float64") / float_literal(DECAY_UNITS)
    if name.endswith("days_since_last") or name == "days_since_last_activity":
        return column.cast("float64") / float_literal(DAY_US)
    return column.fill_null(0).cast("float64")


def _tallies(spec: FeatureSpec, inputs: BatchInputs, points: ir.Table) -> ir.Table:
    """Per prediction point with activity before it: counts, decay sums, ages of the latest."""
    activities = inputs.activities
    identity = {"event_id": activities.event_id} if inputs.repeated_events else {}
    events = activities.select(
        _lead=activities.lead_id,
        type=activities.type,
        occurred_us=epoch_us(activities.occurred_at, inputs.backend),
        touch=activities.source.notnull() if "source" in activities.columns else False,
        **identity,
    )
    if inputs.repeated_events:
        events = events.distinct()
    at_points = points.select(_p_lead=points.lead_id, _at=points.at_us)
    timed = events.join(at_points, events._lead == at_points._p_lead)
    timed = timed.select("_lead", "_at", "type", "touch", age=timed._at - timed.occurred_us).filter(
        lambda t: t.age >= 0
    )
    windows = {w: w * DAY_US for w in spec.windows_days}
    terms = {
        w: (float_literal(2) ** (timed.age.cast("float64") / float_literal(us)).negate())
        for w, us in windows.items()
    }
    units = {
        w: (term * float_literal(DECAY_UNITS)).floor().cast("int64") for w, term in terms.items()
    }
    sums: dict[str, ir.Value] = {
        "days_since_last_activity": timed.age.min(),
        "touches_90d": ibis.cases((timed.touch & (timed.age <= 90 * DAY_US), 1)).count(),
    }
    for kind in spec.event_types:
        is_kind = timed.type == kind
        for w, us in windows.items():
            sums[f"{kind}_count_{w}d"] = ibis.cases((is_kind & (timed.age <= us), 1)).count()
        for w in windows:
            sums[f"{kind}_decay_{w}d"] = ibis.cases((is_kind, units[w])).sum()
        sums[f"{kind}_days_since_last"] = ibis.cases((is_kind, timed.age)).min()
    return timed.group_by(["_lead", "_at"]).aggregate(**sums)


def feature_frame(table: ir.Table, spec: FeatureSpec) -> pd.DataFrame:
    """The rows of a feature table as pandas, sorted by point, typed as the twin types them."""
    frame = table.to_pandas().sort_values(list(POINT_KEYS), kind="stable")
    return typed_frame(frame.reset_index(drop=True), spec)


def typed_frame(frame: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    """Categorical columns as objects with None for missing; every other column float64."""
    columns: dict[str, pd.Series] = {key: frame[key] for key in POINT_KEYS if key in frame}
    for name in spec.categorical:
        column = frame[name].astype(object)
        columns[name] = column.where(column.notna(), None)
    for name in spec.columns[len(spec.categorical) :]:
        columns[name] = frame[name].astype("float64")
    return pd.DataFrame(columns, index=frame.index)
