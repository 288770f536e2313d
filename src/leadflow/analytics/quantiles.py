"""Medians and percentiles that every engine computes to the same microsecond.

Engines disagree on percentiles (interpolated or not, exact or approximate), so leadflow
uses one definition written with window functions: the nearest-rank percentile. Sort a
group's n values ascending; the p-th percentile is the value at rank ceil(p * n), counting
from 1. The median is the 50th percentile: the lower middle value when n is even (of
1, 2, 3, 4 hours the median is 2 hours, the 90th percentile 4 hours). It is always one of
the values, never an interpolation, so integer durations stay integers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ibis
import ibis.expr.types as ir

# Name -> percentile as a fraction numerator/denominator, so ceil(p * n) stays integer math.
MEDIAN_P90: Mapping[str, tuple[int, int]] = {"median": (1, 2), "p90": (9, 10)}


def nearest_rank(
    table: ir.Table,
    value: str,
    by: Sequence[str],
    percentiles: Mapping[str, tuple[int, int]] = MEDIAN_P90,
    *,
    suffix: str = "",
) -> ir.Table:
    """One row per group of `by`: each named nearest-rank percentile of column `value`."""
    ranked = with_ranks(table.filter(table[value].notnull()), value, by)
    picks = rank_picks(ranked, value, percentiles, suffix=suffix)
    if not by:
        return ranked.aggregate(**picks)
    return ranked.group_by(list(by)).aggregate(**picks)


def with_ranks(table: ir.Table, value: str, by: Sequence[str]) -> ir.Table:
    """`table` plus `_rank` (of `value` in its group of `by`, from 1) and `_n` (values in it).

    Missing values sort last, so the present ones hold ranks 1 to `_n` and a caller may keep
    rows without a value (to count them in the same pass) without moving any percentile.
    """
    group = list(by)
    return table.mutate(
        _rank=ibis.row_number().over(group_by=group, order_by=table[value].asc(nulls_first=False))
        + 1,
        _n=table[value].count().over(group_by=group),
    )


def rank_picks(
    ranked: ir.Table,
    value: str,
    percentiles: Mapping[str, tuple[int, int]] = MEDIAN_P90,
    *,
    suffix: str = "",
) -> dict[str, ir.Scalar]:
    """Aggregates of a `with_ranks` table: each named percentile of `value`, null when none."""
    return {
        f"{name}{suffix}": ranked[value].max(
            where=ranked._rank == (ranked._n * numerator + denominator - 1) // denominator
        )
        for name, (numerator, denominator) in percentiles.items()
    }
