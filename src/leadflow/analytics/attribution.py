"""Attribution: which touches earned the pipeline and the revenue, as one Ibis expression.

The intuition: every outcome (an opportunity's amount when it opened, or its revenue when it
was won) is joined to the touches of its lead up to that instant; window functions over each
outcome's touches, ordered by time, give every touch its position and a raw weight from the
model; dividing by the outcome's total weight makes the touches' credit sum to its value, and
a GROUP BY channel adds the credit up.

Exact semantics:

- **Outcomes.** `opportunity_amount`: every opportunity (open, won or lost) at its `opened_at`.
  `won_revenue`: won opportunities at their `closed_at`. `start` (inclusive) and `end`
  (exclusive) select outcomes by that instant.
- **Touches.** The lead's activities that carry a UTM source (`source` set), plus its
  *acquisition touch* (the lead's own source, medium and campaign at its `created_at`) when
  the lead has a source but no activity touch at or before its creation: imported leads often
  carry their source without the visit that brought them, and a recorded visit is not counted
  twice. An outcome's touches are those at or before it (inclusive: the demo request that
  opens an opportunity at that very instant counts). Every cycle of a recycled lead counts:
  a second cycle's outcome is credited over the lead's whole history up to it.
- **Order.** By time, ties broken by the activity id (an acquisition touch is never tied: it
  comes before all of the lead's activity touches). Activity exports without an `id` column
  leave the order of tied touches to the engine. Touch k of n, counting from 1.
- **Anchors.** First touch: k = 1. Lead-creation touch: the last touch at or before the
  lead's `created_at` (the first touch when none is). Opportunity-creation touch: the last
  touch at or before the opportunity's `opened_at` (again the first when none is).
- **Raw weights.** first_touch: 1 on the first. last_touch: 1 on the last. linear: 1 each.
  u_shaped: 0.4 first, 0.4 lead creation, 0.2 spread evenly over the other touches.
  w_shaped: 0.3 first, 0.3 lead creation, 0.3 opportunity creation, 0.1 spread evenly over
  the other touches. A touch holding several anchors adds their shares. time_decay:
  2^(-(t_outcome - t_touch) / 7 days).
- **Normalised.** Credit = value * weight / (the outcome's total weight), so credit sums to
  the value whatever happens: one touch gets everything; two touches under U-shaped get half
  each; a share with no touch to hold it (no "other" touches, anchors on one touch) is spread
  over the remaining anchors in proportion to their shares (first touch == lead creation with
  no other touch: 100 %; three distinct W anchors and nothing else: a third each).
- **No touches.** An outcome without a touch before it credits the channel "(none)", as does
  a touch whose channel value is missing or empty (e.g. an organic visit has no campaign),
  as in every report's groups.

The result has one row per channel the model gives weight to: `channel`, `credit` (sum of
credit), `share` (of all credit; null when all credit is 0) and `outcomes` (outcomes the
channel shared in), largest credit first.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

import ibis
import ibis.expr.types as ir
from pydantic import AwareDatetime, BaseModel, ConfigDict, model_validator

from leadflow.analytics.dimensions import group_value
from leadflow.analytics.tables import ReportTables
from leadflow.scoring.engagement import duration_micros, to_micros

AttributionModel = Literal[
    "first_touch", "last_touch", "linear", "u_shaped", "w_shaped", "time_decay"
]
OutcomeValue = Literal["opportunity_amount", "won_revenue"]
Channel = Literal["source", "medium", "campaign"]

HALF_LIFE = timedelta(days=7)
RESULT_COLUMNS = ("channel", "credit", "share", "outcomes")


class AttributionRequest(BaseModel):
    """What to attribute: the model, which value, by which channel, outcomes in [start, end)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: AttributionModel = "w_shaped"
    value: OutcomeValue = "opportunity_amount"
    by: Channel = "source"
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None

    @model_validator(mode="after")
    def _period_is_forward(self) -> AttributionRequest:
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self


class AttributionQuery:
    """Credit per channel for a request, over the report tables of one engine.

    `AttributionQuery(request).expression(tables)` is one Ibis expression; it runs wherever
    `tables` live (the store, DuckDB over a copy of it, DuckDB over exports).
    """

    def __init__(self, request: AttributionRequest) -> None:
        self.request = request

    def expression(self, tables: ReportTables) -> ir.Table:
        """The RESULT_COLUMNS, one row per channel, largest credit first."""
        credited = self._credited(tables)
        per_channel = credited.group_by("channel").aggregate(
            credit=credited.credit.sum(), outcomes=credited.outcome_id.nunique()
        )
        total = per_channel.credit.sum().over().nullif(0.0)
        return per_channel.select(
            "channel", "credit", share=per_channel.credit / total, outcomes="outcomes"
        ).order_by([ibis.desc("credit"), "channel"])

    def _outcomes(self, opportunities: ir.Table, leads: ir.Table) -> ir.Table:
        """Per outcome: id, lead, value, its instant, its opportunity's opening, lead creation."""
        request, opp = self.request, opportunities
        if request.value == "won_revenue":
            opp = opp.filter(opp.status == "won", opp.closed_us.notnull())
            at = opp.closed_us
        else:
            at = opp.opened_us
        shaped = opp.select(
            outcome_id=opp.id,
            lead_id=opp.lead_id,
            value=opp.amount.cast("float64"),
            at=at,
            opened=opp.opened_us,
        )
        if request.start is not None:
            shaped = shaped.filter(shaped.at >= to_micros(request.start))
        if request.end is not None:
            shaped = shaped.filter(shaped.at < to_micros(request.end))
        created = leads.select(_lead=leads.id, created=leads.created_us)
        joined = shaped.join(created, shaped.lead_id == created._lead)
        return joined.select(*shaped.columns, "created")

    def outcome_credits(self, tables: ReportTables) -> ir.Table:
        """Per outcome (the opportunity's id) and channel: outcome_id, lead_id, channel, credit."""
        credited = self._credited(tables)
        return credited.group_by("outcome_id", "lead_id", "channel").aggregate(
            credit=credited.credit.sum()
        )

    def _credited(self, tables: ReportTables) -> ir.Table:
        """One row per outcome and touch at or before it that the model gives weight to."""
        outcomes = self._outcomes(tables.opportunities, tables.leads)
        touches = _touches(tables.activities, tables.leads, tables.opportunities, self.request.by)
        pairs = outcomes.left_join(
            touches, [outcomes.lead_id == touches.lead_id, touches.at <= outcomes.at]
        ).select(
            *outcomes.columns,
            touch_at=touches.at,
            tie=touches.tie,
            channel=touches.channel,
        )
        outcome = ibis.window(group_by=pairs.outcome_id)
        ordered = ibis.window(group_by=pairs.outcome_id, order_by=[pairs.touch_at, pairs.tie])
        placed = pairs.mutate(
            k=ibis.row_number().over(ordered) + 1,
            n=pairs.touch_at.count().over(outcome),
            latest=pairs.touch_at.max().over(outcome),
            created_k=_at_least_one(_count_until(pairs, pairs.created).over(outcome)),
            opened_k=_at_least_one(_count_until(pairs, pairs.opened).over(outcome)),
        )
        # Weight and its outcome's total in one SELECT: every nested query costs SQLite's
        # parser stack, which holds only so many.
        weight = _raw_weight(self.request.model, placed)
        credited = placed.select(
            "outcome_id",
            "lead_id",
            weight=weight,
            channel=group_value(placed.channel),
            credit=placed.value * weight / weight.sum().over(outcome),
        )
        return credited.filter(credited.weight > 0)


def _touches(
    activities: ir.Table, leads: ir.Table, opportunities: ir.Table, by: Channel
) -> ir.Table:
    """Each touch of a lead with an opportunity: lead_id, at, tie (its order on ties), channel."""
    wanted = opportunities.select(_lead=opportunities.lead_id).distinct()
    marked = activities.filter(activities.lead_id.notnull(), activities.source.notnull())
    marked = marked.semi_join(wanted, marked.lead_id == wanted._lead)
    recorded = marked.select(
        lead_id=marked.lead_id,
        at=marked.occurred_us,
        tie=marked.id,
        channel=_channel_of(marked, by),
    )
    own = leads.filter(leads.source.notnull())
    own = own.semi_join(wanted, own.id == wanted._lead)
    own = own.select(
        lead_id=own.id,
        at=own.created_us,
        # Never tied: it only exists when no activity touch comes at or before it.
        tie=ibis.literal(0, "int64"),
        channel=_channel_of(own, by),
    )
    acquisition = own.anti_join(recorded, [own.lead_id == recorded.lead_id, recorded.at <= own.at])
    return recorded.union(acquisition)


def _channel_of(table: ir.Table, by: Channel) -> ir.StringValue:
    """The table's `by` column (source, medium or campaign) as text."""
    return table[by].cast("string")


def _count_until(pairs: ir.Table, moment: ir.IntegerValue) -> ir.IntegerScalar:
    """How many of an outcome's touches came at or before `moment`."""
    return _one_if(pairs.touch_at <= moment).sum()


def _at_least_one(position: ir.IntegerValue) -> ir.IntegerValue:
    """A position, or the first touch when no touch qualifies."""
    return ibis.cases((position < 1, 1), else_=position)


def _raw_weight(model: AttributionModel, t: ir.Table) -> ir.FloatingValue:
    """The touch's weight under `model` before normalising; an outcome without touches gets 1."""
    first = t.k == 1
    if model == "first_touch":
        weight = _share(first, 1.0)
    elif model == "last_touch":
        weight = _share(t.k == t.n, 1.0)
    elif model == "linear":
        weight = _float(1.0)
    elif model == "time_decay":
        # Counted from the latest touch, not the outcome: normalising cancels the common
        # factor, and the latest touch keeps weight 1, so old histories never underflow to 0/0.
        age = (t.latest - t.touch_at).cast("float64")
        weight = _float(2.0) ** (age / duration_micros(HALF_LIFE)).negate()
    elif model == "u_shaped":
        creation = t.k == t.created_k
        anchors = 1 + _one_if(t.created_k != 1)
        rest = _float(0.2) / (t.n - anchors).nullif(0).cast("float64")
        weight = _share(first, 0.4) + _share(creation, 0.4) + _share(~first & ~creation, rest)
    else:
        creation, opening = t.k == t.created_k, t.k == t.opened_k
        anchors = (
            1 + _one_if(t.created_k != 1) + _one_if((t.opened_k != 1) & (t.opened_k != t.created_k))
        )
        rest = _float(0.1) / (t.n - anchors).nullif(0).cast("float64")
        weight = (
            _share(first, 0.3)
            + _share(creation, 0.3)
            + _share(opening, 0.3)
            + _share(~first & ~creation & ~opening, rest)
        )
    return ibis.cases((t.n == 0, _float(1.0)), else_=weight)


def _one_if(holds: ir.BooleanValue) -> ir.IntegerValue:
    """1 where `holds`, else 0 (PostgreSQL casts no boolean to an integer)."""
    return ibis.cases((holds, 1), else_=0)


def _share(holds: ir.BooleanValue, amount: float | ir.FloatingValue) -> ir.FloatingValue:
    """`amount` where the touch holds the role, else 0."""
    value = _float(amount) if isinstance(amount, float) else amount
    return ibis.cases((holds, value), else_=_float(0.0))


def _float(value: float) -> ir.FloatingScalar:
    # PostgreSQL reads a bare 0.4 as an exact numeric; the shortest text cast is exact.
    return ibis.literal(repr(float(value))).cast("float64")
