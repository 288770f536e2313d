"""What every batch engine shares: the store read page by page, and exports read as tables.

An engine (DuckDB, Spark) reads its files its own way; from there on the columns are matched
by name and shaped into the store's activities by the same Ibis expressions, here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pyarrow as pa
from ibis.backends import BaseBackend

from leadflow.engines import connect
from leadflow.engines.portable import epoch_us

PAGE_ROWS = 100_000
UTC_TIMESTAMP = dt.Timestamp(timezone="UTC", scale=6)
ARROW_UTC = pa.timestamp("us", tz="UTC")
FORMATS = (".parquet", ".csv")
# Columns of an activity file that say which event it is and whose, not what it carried.
_ACTIVITY_KEYS = ("event_id", "lead_id", "email", "lead_external_id", "type", "occurred_at")
_NOT_PROPERTIES = frozenset({*_ACTIVITY_KEYS, "id", "anonymous_id", "received_at", "properties"})


def store_pages(
    source: BaseBackend, name: str, *, page_rows: int = PAGE_ROWS
) -> tuple[pa.Schema, Iterator[pa.Table]]:
    """Table `name` (keyed by `id`) of the store as Arrow pages, and their schema.

    Times cross as exact integer microseconds and land as UTC timestamps; JSON documents
    cross as text. Memory stays bounded by a page, whatever the store holds.
    """
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
        pa.field(f.name, ARROW_UTC) if f.name in times else f for f in shape.schema().to_pyarrow()
    )

    def pages() -> Iterator[pa.Table]:
        last: int | None = None
        while True:
            page = shape if last is None else shape.filter(shape.id > last)
            rows = source.to_pyarrow(page.order_by("id").limit(page_rows))
            if rows.num_rows == 0:
                return
            for column in times:
                at = rows.schema.get_field_index(column)
                rows = rows.set_column(at, column, rows[column].cast(ARROW_UTC))
            yield rows.cast(schema)
            last = rows["id"][-1].as_py()

    return schema, pages()


def check_local_files(paths: list[Path]) -> None:
    """Refuse files that are not Parquet or CSV (by suffix), or that do not exist."""
    if not paths:
        raise ValueError("no files given")
    unknown = [str(p) for p in paths if p.suffix.lower() not in FORMATS]
    if unknown:
        raise ValueError(f"{', '.join(unknown)}: expected .parquet or .csv files")
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise ValueError(f"{', '.join(missing)}: no such file")


def union_by_name(parts: list[ir.Table]) -> ir.Table:
    """Tables as one, their columns matched by name; a column a part lacks is null there."""
    if len(parts) == 1:
        return parts[0]
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


def activities_from(raw: ir.Table, leads: ir.Table) -> ir.Table:
    """Activity exports as the store's activities: lead_id, type, occurred_at, properties.

    The lead is `lead_id`, else the lead whose e-mail (trimmed, lower-cased) or external id
    the row names; rows naming no known lead are anonymous. `event_id`, a JSON `properties`
    column and every other column (each a property by itself) are kept.
    """
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
