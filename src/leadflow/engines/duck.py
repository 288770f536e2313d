"""DuckDB as the batch engine: the store's tables copied in, or exported files read in place.

Copies stream page by page through Arrow, so memory stays bounded whatever the store's size.
Times cross as exact integer microseconds and land as UTC timestamps; JSON documents cross as
text. The session's time zone is UTC, so a time written without an offset means UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from string import ascii_lowercase, ascii_uppercase
from typing import cast

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pyarrow as pa
from ibis.backends import BaseBackend

from leadflow.engines import connect
from leadflow.engines.portable import epoch_us

PAGE_ROWS = 100_000
UTC_TIMESTAMP = dt.Timestamp(timezone="UTC", scale=6)
_ARROW_UTC = pa.timestamp("us", tz="UTC")
# Columns of an activity file that say which event it is and whose, not what it carried.
_ACTIVITY_KEYS = ("event_id", "lead_id", "email", "lead_external_id", "type", "occurred_at")
_NOT_PROPERTIES = frozenset({*_ACTIVITY_KEYS, "id", "anonymous_id", "received_at", "properties"})


def copy_store_table(
    source: BaseBackend, target: BaseBackend, name: str, *, page_rows: int = PAGE_ROWS
) -> ir.Table:
    """Copy table `name` (keyed by `id`) from the store into DuckDB, one page at a time."""
    table = source.table(name)
    backend = connect.backend_name(source)
    times = [column for column, kind in table.schema().items() if kind.is_timestamp()]
    columns = {
        column: (
            epoch_us(table[column], backend)
            if kind.is_timestamp()
            else table[column].cast("string")
            if kind.is_json()
            else table[column]
        )
        for column, kind in table.schema().items()
    }
    shape = table.select(**columns)
    schema = pa.schema(
        pa.field(f.name, _ARROW_UTC) if f.name in times else f for f in shape.schema().to_pyarrow()
    )

    raw = target.con
    raw.from_arrow(schema.empty_table()).create(name)
    # Page by page, keyed by id: memory stays bounded by a page, whatever the store holds.
    last: int | None = None
    while True:
        page = shape if last is None else shape.filter(shape.id > last)
        rows = source.to_pyarrow(page.order_by("id").limit(page_rows))
        if rows.num_rows == 0:
            break
        for column in times:
            at = rows.schema.get_field_index(column)
            rows = rows.set_column(at, column, rows[column].cast(_ARROW_UTC))
        raw.from_arrow(rows.cast(schema)).insert_into(name)
        last = rows["id"][-1].as_py()
    return target.table(name)


def read_files(target: BaseBackend, paths: Sequence[Path]) -> ir.Table:
    """Parquet and CSV files (by suffix) as one table, their columns matched by name."""
    if not paths:
        raise ValueError("no files given")
    unknown = [str(p) for p in paths if p.suffix.lower() not in (".parquet", ".csv")]
    if unknown:
        raise ValueError(f"{', '.join(unknown)}: expected .parquet or .csv files")
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise ValueError(f"{', '.join(missing)}: no such file")
    parquet = [str(path) for path in paths if path.suffix.lower() == ".parquet"]
    csv = [str(path) for path in paths if path.suffix.lower() == ".csv"]
    parts = [target.read_parquet(parquet, union_by_name=True)] if parquet else []
    if csv:
        # Every CSV value is read as text and typed later by the schema, as an import does:
        # types sniffed from a sample fail on a later row that does not fit them.
        parts.append(target.read_csv(csv, union_by_name=True, all_varchar=True, header=True))
    return parts[0] if len(parts) == 1 else _union_by_name(parts)


def _union_by_name(parts: list[ir.Table]) -> ir.Table:
    types: dict[str, set[dt.DataType]] = {}
    for part in parts:
        for column, kind in part.schema().items():
            types.setdefault(column, set()).add(kind)
    # A column typed differently by different files is read as text; scoring casts it back.
    common = {c: kinds.pop() if len(kinds) == 1 else dt.string for c, kinds in types.items()}
    aligned = [
        part.select(
            **{
                c: part[c].cast(kind) if c in part.columns else ibis.null(kind)
                for c, kind in common.items()
            }
        )
        for part in parts
    ]
    return ibis.union(*aligned)


def activity_files(target: BaseBackend, paths: Sequence[Path], leads: ir.Table) -> ir.Table:
    """Activity exports as the store's activities: lead_id, type, occurred_at, properties.

    The lead is `lead_id`, else the lead whose e-mail (trimmed, lower-cased) or external id
    the row names; rows naming no known lead are anonymous. `event_id`, a JSON `properties`
    column and every other column (each a property by itself) are kept.
    """
    raw = read_files(target, paths)
    order = raw.columns
    columns = set(order)
    for required in ("type", "occurred_at"):
        if required not in columns:
            raise ValueError(f"activity files need a {required!r} column")
    if not columns & {"lead_id", "email", "lead_external_id"}:
        raise ValueError("activity files need a lead_id, email or lead_external_id column")
    found = []
    for key, column in (("email", "email"), ("lead_external_id", "external_id")):
        if key in columns:
            if column not in leads.columns:
                raise ValueError(f"activity files name leads by {key}; the leads have no {column}")
            known = leads.select(**{f"_{key}": leads[column], f"_by_{key}": leads.id})
            wanted = raw[key].cast("string")
            wanted = wanted.strip().lower() if key == "email" else wanted
            raw = raw.left_join(known, wanted == known[f"_{key}"]).select(raw, known[f"_by_{key}"])
            found.append(f"_by_{key}")
    lead = raw.lead_id.cast("int64") if "lead_id" in columns else ibis.null("int64")
    for other in found:
        lead = lead.coalesce(raw[other])
    kept = {
        "lead_id": lead,
        "type": raw.type.cast("string"),
        "occurred_at": raw.occurred_at.cast(UTC_TIMESTAMP),
    }
    for optional in ("event_id", "properties"):
        if optional in columns:
            kept[optional] = raw[optional].cast("string")
    flat = {name: raw[name] for name in order if name not in _NOT_PROPERTIES}
    return raw.select(**kept, **flat)


def arrow_batches(table: ir.Table, *, batch_rows: int) -> pa.RecordBatchReader:
    """The rows of `table`, streamed as Arrow batches of at most `batch_rows` rows."""
    backend = table._find_backend()
    if connect.backend_name(backend) != "duckdb":
        return table.to_pyarrow_batches(chunk_size=batch_rows)
    # Ibis 12 streams DuckDB results through a method DuckDB 2 no longer has.
    relation = backend.con.sql(str(backend.compile(table)))
    return relation.to_arrow_reader(batch_rows)


@ibis.udf.scalar.builtin(name="strlen")
def _byte_length(value: str) -> int: ...  # type: ignore[empty-body]


def fast_case_folding(table: ir.Table) -> ir.Table:
    """`table` with each ASCII case fold (translate A-Z to a-z) computed fast on DuckDB.

    DuckDB's translate() costs microseconds a row; on text that is all ASCII (as many bytes
    as characters) lower() is the very same fold, twenty times faster.
    """

    def rewrite(node: ops.Node, changed: dict[str, object] | None) -> ops.Node:
        if (
            isinstance(node, ops.Translate)
            and _literal(node.from_str) == ascii_uppercase
            and _literal(node.to_str) == ascii_lowercase
        ):
            text = cast(ops.Value, changed["arg"]) if changed else node.arg
            return _fold(text.to_expr()).op()
        return node.__recreate__(changed) if changed else node

    return table.op().replace(rewrite).to_expr()


def _fold(text: ir.StringValue) -> ir.StringValue:
    slow = text.translate(ascii_uppercase, ascii_lowercase)
    return ibis.cases((_byte_length(text) == text.length(), text.lower()), else_=slow)


def _literal(node: ops.Value) -> object:
    return node.value if isinstance(node, ops.Literal) else None
