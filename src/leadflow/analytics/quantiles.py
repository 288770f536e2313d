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
    present = table.filter(table[value].notnull())
    group = list(by)
    ranked = present.mutate(
        _rank=ibis.row_number().over(group_by=group, order_by=present[value]) + 1,
        _n=present[value].count().over(group_by=group),
    )
    picks = {
        f"{name}{suffix}": ranked[value].max(
            where=ranked._rank == (ranked._n * numerator + denominator - 1) // denominator
        )
        for name, (numerator, denominator) in percentiles.items()
    }
    if not group:
        return ranked.aggregate(**picks)
    return ranked.group_by(group).aggregate(**picks)
