"""Batch scoring: every lead's score from its full history, as one Ibis expression.

The intuition: one scan of the activities computes, per event, one CASE column per
engagement rule (its decayed points when the event matches) and per event query (set when
it matches inside its window); one GROUP BY lead_id sums and counts them. Leads join those
sums, and fit, caps, bands, disqualification and the MQL criteria are columns on top. Ages
are exact integer microseconds, so each term is the very float `score_lead` computes; only
the order of the sums differs, by a rounding or so.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from itertools import repeat

import ibis
import ibis.expr.types as ir

from leadflow.engines.duck import arrow_batches
from leadflow.engines.portable import epoch_us
from leadflow.engines.portable import float_literal as _float
from leadflow.engines.rewrite import for_engine
from leadflow.scoring.batch_inputs import BatchInputs, attribute_value, property_value
from leadflow.scoring.engagement import duration_micros, to_micros
from leadflow.scoring.language import Condition, EventQuery, Schema, names
from leadflow.scoring.language.ibis_compiler import compile_condition
from leadflow.scoring.language.schema import SCORES
from leadflow.scoring.model import Bands, ScoringModel
from leadflow.scoring.scorer import Contribution, LeadScore

SCORE_COLUMNS = (
    "lead_id",
    "fit",
    "engagement",
    "fit_band",
    "engagement_band",
    "grade",
    "disqualified_by",
    "is_mql",
)


def rule_columns(model: ScoringModel) -> dict[str, str]:
    """The column holding each rule's points, by rule name: fit rules, then engagement rules."""
    fit = {rule.name: f"fit_{i}" for i, rule in enumerate(model.fit_rules)}
    return fit | {rule.name: f"engagement_{i}" for i, rule in enumerate(model.engagement_rules)}


def score_table(
    model: ScoringModel, schema: Schema, inputs: BatchInputs, *, as_of: datetime
) -> ir.Table:
    """One row per lead: the SCORE_COLUMNS, then each rule's points (see `rule_columns`)."""
    conditions = [r.when for r in model.fit_rules] + [r.when for r in model.disqualify_rules]
    wanted = _names([*conditions, model.mql_criteria], exclude=SCORES)
    base = _leads_and_tallies(model, schema, inputs, wanted, to_micros(as_of))
    points = base.mutate(**_rule_points(model, base, _names_in(base, wanted)))
    graded = _graded(model, points)
    named, counts = _names_in(graded, wanted), _counts_in(graded, model)
    reasons = [(compile_condition(r.when, named, counts), r.name) for r in model.disqualify_rules]
    decided = graded.mutate(
        disqualified_by=ibis.cases(*reasons) if reasons else ibis.null("string")
    )
    named = _names_in(decided, wanted) | {name: decided[name] for name in SCORES}
    criteria = compile_condition(model.mql_criteria, named, _counts_in(decided, model))
    decided = decided.mutate(is_mql=decided.disqualified_by.isnull() & criteria.fill_null(False))
    result = decided.select(*SCORE_COLUMNS, *rule_columns(model).values())
    return for_engine(result, inputs.backend)


def _names_in(table: ir.Table, wanted: list[str]) -> dict[str, ir.Value]:
    """The attribute columns of `table`, by attribute name."""
    return {name: table[f"_a{i}"] for i, name in enumerate(wanted)}


def _counts_in(table: ir.Table, model: ScoringModel) -> dict[EventQuery, ir.IntegerValue]:
    """The event count columns of `table`, by event query."""
    return {query: table[f"_q{j}"] for j, query in enumerate(model.event_queries)}


def _leads_and_tallies(
    model: ScoringModel, schema: Schema, inputs: BatchInputs, wanted: list[str], as_of_us: int
) -> ir.Table:
    """Every lead: its attributes (_a<i>), rule sums (_e<i>) and event counts (_q<j>)."""
    leads = inputs.leads
    frame = leads
    if any(name.startswith("account.") for name in wanted):
        frame = frame.left_join(inputs.accounts, leads.account_id == inputs.accounts.id)
    sums = {f"_e{i}": _float(0) for i in range(len(model.engagement_rules))}
    sums |= {f"_q{j}": ibis.literal(0) for j in range(len(model.event_queries))}
    tallies = _tallies(model, schema, inputs, as_of_us)
    if tallies is not None:
        frame = frame.left_join(tallies, leads.id == tallies._lead)
        sums = {name: tallies[name].fill_null(zero) for name, zero in sums.items()}
    values = {f"_a{i}": attribute_value(inputs, schema, name) for i, name in enumerate(wanted)}
    # The active trained model's, when `inputs.leads` carries it (predict.scoring).
    probability = (
        leads.conversion_probability
        if "conversion_probability" in leads.columns
        else ibis.null("float64")
    )
    return frame.select(lead_id=leads.id, **values, **sums, conversion_probability=probability)


def _rule_points(
    model: ScoringModel, base: ir.Table, attributes: Mapping[str, ir.Value]
) -> dict[str, ir.Value]:
    """Each fit rule's points when it holds, each engagement rule's sum within its cap."""
    points: dict[str, ir.Value] = {
        f"fit_{i}": ibis.cases(
            (compile_condition(rule.when, attributes), _float(rule.points)), else_=_float(0)
        )
        for i, rule in enumerate(model.fit_rules)
    }
    for i, rule in enumerate(model.engagement_rules):
        total = base[f"_e{i}"]
        cap = rule.cap
        points[f"engagement_{i}"] = total if cap is None else total.clip(_float(-cap), _float(cap))
    return points


def _graded(model: ScoringModel, points: ir.Table) -> ir.Table:
    """`points` with fit, engagement, their bands and the grade cell."""
    fit = sum((points[f"fit_{i}"] for i in range(len(model.fit_rules))), _float(0))
    rules = range(len(model.engagement_rules))
    totals = points.mutate(
        fit=fit, engagement=sum((points[f"engagement_{i}"] for i in rules), _float(0))
    )
    fit_band = _band(model.fit_bands, totals.fit, str)
    engagement_band = _band(model.engagement_bands, totals.engagement, int)
    return totals.mutate(
        fit_band=fit_band,
        engagement_band=engagement_band,
        grade=fit_band + engagement_band.cast("string"),
    )


def batch_scores(
    model: ScoringModel,
    schema: Schema,
    inputs: BatchInputs,
    *,
    as_of: datetime,
    batch_rows: int = 50_000,
) -> Iterator[tuple[int, LeadScore]]:
    """(lead id, score) for every lead, streamed in batches, explained as `score_lead` does."""
    # A fit rule that holds gives its points as written: one Contribution serves every lead.
    fit_parts = [Contribution(rule.name, rule.points) for rule in model.fit_rules]
    engagement_names = [rule.name for rule in model.engagement_rules]
    table = score_table(model, schema, inputs, as_of=as_of)
    for batch in arrow_batches(table, batch_rows=batch_rows):
        columns = batch.to_pydict()
        rows = zip(*(columns[name] for name in SCORE_COLUMNS), strict=True)
        fits = _rows(columns, [f"fit_{i}" for i in range(len(fit_parts))])
        engagements = _rows(columns, [f"engagement_{i}" for i in range(len(engagement_names))])
        for (lead_id, fit, engagement, fit_band, band, grade, reason, is_mql), held, values in zip(
            rows, fits, engagements, strict=False
        ):
            parts = [part for part, points in zip(fit_parts, held, strict=True) if points]
            parts += [
                Contribution(name, points)
                for name, points in zip(engagement_names, values, strict=True)
                if points
            ]
            # Largest magnitude first, ties by rule name, as `score_lead` orders them.
            parts.sort(key=lambda part: (-abs(part.points), part.rule))
            score = LeadScore(
                fit=fit,
                engagement=engagement,
                grade=grade,
                fit_band=fit_band,
                engagement_band=band,
                model_version=model.version,
                disqualified_by=reason,
                is_mql=is_mql,
                explanation=tuple(parts),
            )
            yield lead_id, score


def _rows(columns: dict[str, list[float]], names: list[str]) -> Iterator[tuple[float, ...]]:
    """The named columns' values row by row; empty rows, endlessly, when there are none."""
    return zip(*(columns[name] for name in names), strict=True) if names else repeat(())


def _tallies(
    model: ScoringModel, schema: Schema, inputs: BatchInputs, as_of_us: int
) -> ir.Table | None:
    """Per lead with activity: each rule's decayed sum (_e<i>) and each query's count (_q<j>)."""
    rules, queries = model.engagement_rules, model.event_queries
    if not rules and not queries:
        return None
    activities = inputs.activities
    wheres = [r.where for r in rules if r.where] + [q.where for q in queries if q.where]
    wanted = _names(wheres, exclude={})
    properties = {f"_p{i}": property_value(inputs, schema, name) for i, name in enumerate(wanted)}
    identity = {"event_id": activities.event_id} if inputs.repeated_events else {}
    events = activities.select(
        _lead=activities.lead_id,
        type=activities.type,
        age=ibis.literal(as_of_us) - epoch_us(activities.occurred_at, inputs.backend),
        **properties,
        **identity,
    )
    kinds = sorted({r.event for r in rules} | {q.event_type for q in queries})
    events = events.filter(events._lead.notnull(), events.type.isin(kinds), events.age >= 0)
    if inputs.repeated_events:
        events = events.distinct()
    props = {name: events[f"_p{i}"] for i, name in enumerate(wanted)}
    sums = {}
    for i, rule in enumerate(rules):
        term = _float(rule.points)
        if rule.half_life is not None:
            exponent = events.age.cast("float64") / duration_micros(rule.half_life)
            term = term * _float(2) ** exponent.negate()
        matched = _matches(events, rule.event, rule.where, props)
        # No match is NULL rather than 0: aggregates skip NULLs faster than they add zeros.
        sums[f"_e{i}"] = ibis.cases((matched, term)).sum()
    for j, query in enumerate(queries):
        matched = _matches(events, query.event_type, query.where, props)
        if query.within is not None:
            matched = matched & (events.age <= duration_micros(query.within))
        sums[f"_q{j}"] = ibis.cases((matched, 1)).count()
    return events.group_by("_lead").aggregate(**sums)


def _matches(
    events: ir.Table, kind: str, where: Condition | None, props: Mapping[str, ir.Value]
) -> ir.BooleanValue:
    matched = events.type == kind
    return matched if where is None else matched & compile_condition(where, props)


def _names(conditions: list[Condition], exclude: Mapping[str, object]) -> list[str]:
    found = (name for condition in conditions for name in names(condition))
    return [name for name in dict.fromkeys(found) if name not in exclude]


def _band(bands: Bands, score: ir.NumericValue, label: type) -> ir.Value:
    steps = [
        (score >= t, label(name)) for name, t in zip(bands.labels, bands.thresholds, strict=False)
    ]
    return ibis.cases(*steps, else_=label(bands.labels[-1]))
