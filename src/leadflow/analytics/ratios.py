"""Rates and money that every engine computes to the same last bit.

A rate is one integer divided by another in float64: IEEE division is correctly rounded
everywhere, so every engine gives the same bits. Money is summed as whole cents (integers,
exact in any order) and divided back only at the end. Dividing by zero gives null: SQLite
and DuckDB would, PostgreSQL would raise.
"""

from __future__ import annotations

import ibis.expr.types as ir


def ratio(numerator: ir.NumericValue, denominator: ir.NumericValue) -> ir.FloatingValue:
    """numerator / denominator as float64; null when the denominator is 0 or null."""
    return numerator.cast("float64") / denominator.cast("float64").nullif(0.0)


def cents(amount: ir.NumericValue) -> ir.IntegerValue:
    """A money amount as whole cents."""
    return (amount * 100).round().cast("int64")


def money(cents_value: ir.NumericValue) -> ir.FloatingValue:
    """Whole cents back as an amount."""
    return cents_value.cast("float64") / 100.0
