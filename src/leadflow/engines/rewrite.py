"""Each engine's own rewrites of a finished expression, applied just before it runs.

Ibis compiles most operations alike everywhere; where one engine's compiled form is slow or
differs in meaning, the fix is a rewrite of the expression for that engine, here, so the
queries themselves stay written once.
"""

from __future__ import annotations

import ibis.expr.types as ir

from leadflow.engines import duck, spark


def for_engine(table: ir.Table, backend: str) -> ir.Table:
    """`table` rewritten for the engine it will run on (unchanged for most)."""
    if backend == "duckdb":
        return duck.fast_case_folding(table)
    if backend == "pyspark":
        return spark.exact_counts(table)
    return table
