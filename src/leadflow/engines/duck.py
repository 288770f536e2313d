"""DuckDB as the batch engine: the store's tables copied in, or exported files read in place.

Copies stream page by page through Arrow (exports.store_pages), so memory stays bounded
whatever the store's size. The session's time zone is UTC, so a time written without an
offset means UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from string import ascii_lowercase, ascii_uppercase
from typing import cast

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pyarrow as pa
from ibis.backends import BaseBackend

from leadflow.engines import connect, exports, spark

PAGE_ROWS = exports.PAGE_ROWS
UTC_TIMESTAMP = exports.UTC_TIMESTAMP


def copy_store_table(
    source: BaseBackend, target: BaseBackend, name: str, *, page_rows: int = PAGE_ROWS
) -> ir.Table:
    """Copy table `name` (keyed by `id`) from the store into DuckDB, one page at a time."""
    schema, pages = exports.store_pages(source, name, page_rows=page_rows)
    raw = target.con
    raw.from_arrow(schema.empty_table()).create(name)
    for page in pages:
        raw.from_arrow(page).insert_into(name)
    return target.table(name)


def read_files(target: BaseBackend, paths: Sequence[Path]) -> ir.Table:
    """Parquet and CSV files (by suffix) as one table, their columns matched by name."""
    exports.check_local_files(list(paths))
    parquet = [str(path) for path in paths if path.suffix.lower() == ".parquet"]
    csv = [str(path) for path in paths if path.suffix.lower() == ".csv"]
    parts = [target.read_parquet(parquet, union_by_name=True)] if parquet else []
    if csv:
        # Every CSV value is read as text and typed later by the schema, as an import does:
        # types sniffed from a sample fail on a later row that does not fit them.
        parts.append(target.read_csv(csv, union_by_name=True, all_varchar=True, header=True))
    return exports.union_by_name(parts)


def activity_files(target: BaseBackend, paths: Sequence[Path], leads: ir.Table) -> ir.Table:
    """Activity exports read by DuckDB as the store's activities (see exports.activities_from)."""
    return exports.activities_from(read_files(target, paths), leads)


def arrow_batches(table: ir.Table, *, batch_rows: int) -> pa.RecordBatchReader:
    """The rows of `table`, streamed as Arrow batches of at most `batch_rows` rows."""
    backend = table._find_backend()
    if connect.backend_name(backend) == "pyspark":
        return spark.arrow_batches(backend, table, batch_rows=batch_rows)
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
