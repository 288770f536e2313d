"""Expressions that each engine spells differently: exact event times and JSON properties.

Everything set-based in leadflow (batch scoring, funnels, attribution) is one Ibis expression;
only these few leaves differ by backend, so they live here and nowhere else.
"""

from __future__ import annotations

from typing import Literal

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

ValueKind = Literal["text", "number", "boolean"]

_TS = dt.timestamp
_JSON = dt.json


@ibis.udf.scalar.builtin(name="strftime")
def _sqlite_strftime(fmt: str, value: str) -> str: ...


@ibis.udf.scalar.builtin(name="substr")
def _sqlite_substr(value: _TS, start: int, length: int) -> str: ...


@ibis.udf.scalar.builtin(name="json_extract")
def _sqlite_json_extract(doc: _JSON, path: str) -> _JSON: ...


@ibis.udf.scalar.builtin(name="json_type")
def _sqlite_json_type(doc: _JSON, path: str) -> str: ...


@ibis.udf.scalar.builtin(name="date_part")
def _pg_date_part(field: str, value: _TS) -> float: ...


@ibis.udf.scalar.builtin(name="jsonb_extract_path_text")
def _pg_json_text(doc: _JSON, key: str) -> str: ...


@ibis.udf.scalar.builtin(name="epoch_us")
def _duckdb_epoch_us(value: _TS) -> int: ...


@ibis.udf.scalar.builtin(name="json_extract_string")
def _duckdb_json_text(doc: _JSON, path: str) -> str: ...


@ibis.udf.scalar.builtin(name="unix_micros")
def _spark_unix_micros(value: _TS) -> int: ...


@ibis.udf.scalar.builtin(name="get_json_object")
def _spark_json_text(doc: _JSON, path: str) -> str: ...


def epoch_us(value: ir.TimestampValue, backend: str) -> ir.IntegerValue:
    """Microseconds since 1970-01-01 UTC, exact on every engine (timestamps are stored UTC)."""
    if backend == "sqlite":
        # SQLAlchemy stores 'YYYY-MM-DD HH:MM:SS.ffffff'. strftime keeps only milliseconds
        # and rounds .9995 up a second, so whole seconds and microseconds are read apart.
        seconds = _sqlite_strftime("%s", _sqlite_substr(value, 1, 19)).cast("int64")
        micros = _sqlite_substr(value, 21, 6).cast("int64")
        return seconds * 1_000_000 + micros
    if backend == "postgres":
        return (_pg_date_part("epoch", value) * 1_000_000).round().cast("int64")
    if backend == "duckdb":
        return _duckdb_epoch_us(value).cast("int64")
    if backend == "pyspark":
        return _spark_unix_micros(value).cast("int64")
    raise ValueError(f"no epoch_us for engine {backend!r}")


def float_literal(value: float) -> ir.FloatingScalar:
    """A float64 literal every engine reads as a double."""
    # PostgreSQL reads a bare 25.0 as an exact numeric, and Ibis drops a cast to the type it
    # already believes the literal has; casting the shortest text of the float is exact.
    return ibis.literal(repr(float(value))).cast("float64")


def _json_path(key: str) -> str:
    if '"' in key or "\\" in key:
        raise ValueError(f"property name {key!r}: quotes and backslashes are not supported")
    return f'$."{key}"'


def json_text(doc: ir.Value, key: str, backend: str) -> ir.StringValue:
    """The value at top-level `key` of a JSON document, as text (None when absent)."""
    if backend == "sqlite":
        return _sqlite_json_extract(doc, _json_path(key)).cast("string")
    if backend == "postgres":
        return _pg_json_text(doc, key)
    if backend == "duckdb":
        return _duckdb_json_text(doc.cast("json"), _json_path(key))
    if backend == "pyspark":
        return _spark_json_text(doc, f"$.{key}")
    raise ValueError(f"no JSON access for engine {backend!r}")


def json_value(doc: ir.Value, key: str, kind: ValueKind, backend: str) -> ir.Value:
    """The value at `key` typed as text, number (float64) or boolean; None when absent."""
    if kind == "boolean" and backend == "sqlite":
        # json_extract answers 1/0 for true/false; json_type tells a boolean from a number.
        kind_of = _sqlite_json_type(doc, _json_path(key))
        return ibis.cases((kind_of == "true", True), (kind_of == "false", False))
    raw = json_text(doc, key, backend)
    if kind == "text":
        return raw
    if kind == "number":
        return raw.cast("float64")
    lowered = raw.lower()
    return ibis.cases((lowered == "true", True), (lowered == "false", False))
