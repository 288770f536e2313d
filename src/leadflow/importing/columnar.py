"""The fast path of an import: a clean file parsed, checked and written column by column.

Cells go through the same parsers as on the row-by-row path (each distinct value of a chunk
once), so a clean file leaves the same store either way. The moment anything is not clean (a
bad cell, a missing required value, a row whose lead cannot be resolved, a row Arrow cannot
read as the csv module would) the fast path gives up with NotClean, its transaction rolls
back, and the import starts again row by row, which reports or skips the bad rows by line and
column exactly as it always did.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from leadflow.importing import values
from leadflow.importing.batches import BatchReader
from leadflow.importing.plan import Column, ColumnPlan
from leadflow.importing.report import ImportSummary

# Rows per chunk of the fast path (rounded up to a multiple of the row path's chunk, so the
# chunks type inference looks at are the same).
FAST_CHUNK_ROWS = 20_000


class NotClean(Exception):
    """The file has something only the row-by-row path reports exactly."""


@dataclass(frozen=True)
class ColumnChunk:
    """Parsed rows of a clean chunk, column by column (None where a cell is missing)."""

    size: int
    fields: dict[str, list[Any]]
    attributes: dict[str, list[Any]]  # in the file's column order
    attribute_types: dict[str, str]


# Resolves and writes one chunk; False when a row turns out bad (nothing then is written).
ChunkWriter = Callable[[ColumnChunk], bool]


def import_columns(
    *,
    plan: ColumnPlan,
    read: BatchReader,
    header: list[str],
    chunk_rows: int,
    write: ChunkWriter,
    record_types: Callable[[], None],
    summary: ImportSummary,
    progress: Callable[[int, float | None], None] | None,
) -> None:
    """Import every chunk of a file expected clean; NotClean when it is not."""
    size = -(-FAST_CHUNK_ROWS // chunk_rows) * chunk_rows
    wanted = set(plan.planned())
    for rows, raw, fraction in _raw_chunks(read, header, wanted, size):
        chunk = parse_chunk(plan, raw, rows, chunk_rows)
        record_types()
        if not write(chunk):
            raise NotClean
        summary.rows += rows
        if progress is not None:
            progress(summary.rows, fraction)


def _raw_chunks(
    read: BatchReader, header: list[str], wanted: set[str], size: int
) -> Iterator[tuple[int, dict[str, list[Any]], float | None]]:
    import pyarrow as pa

    positions = [(index, name) for index, name in enumerate(header) if name in wanted]
    pending: list[pa.RecordBatch] = []
    count = 0
    fraction: float | None = None
    try:
        for batch, fraction in read():
            if batch.num_columns != len(header):
                raise NotClean
            pending.append(batch)
            count += batch.num_rows
            while count >= size:
                table = pa.Table.from_batches(pending)
                yield size, _python_columns(table.slice(0, size), positions), fraction
                rest = table.slice(size)
                pending, count = rest.to_batches(), rest.num_rows
        if count:
            yield count, _python_columns(pa.Table.from_batches(pending), positions), fraction
    except (pa.ArrowException, OSError, EOFError) as exc:
        raise NotClean from exc


def _python_columns(table: Any, positions: list[tuple[int, str]]) -> dict[str, list[Any]]:
    return {name: table.column(index).to_pylist() for index, name in positions}


def parse_chunk(
    plan: ColumnPlan, raw: dict[str, list[Any]], rows: int, chunk_rows: int
) -> ColumnChunk:
    """Type, parse and check the columns of one chunk; NotClean at the first bad cell."""
    for column in plan.untyped():
        cells = raw.get(column.source)
        # The row path types a column by the first of its chunks where it has a value.
        for start in range(0, rows if cells is not None else 0, chunk_rows):
            plan.infer_column(column, cells[start : start + chunk_rows])  # type: ignore[index]
            if column.type is not None:
                break
    fields: dict[str, list[Any]] = {}
    attributes: dict[str, list[Any]] = {}
    types: dict[str, str] = {}
    for source, column in plan.planned().items():
        if column.parse is None or source not in raw:
            continue  # an attribute without a value so far
        if column.is_attribute:
            attributes[column.name] = parse_cells(column, raw[source])
            types[column.name] = column.type or values.TEXT
        else:
            fields[column.name] = parse_cells(column, raw[source])
    for requirement in plan.spec.requirements:
        given = [fields[name] for name in requirement.fields if name in fields]
        if not _always_given(given):
            raise NotClean
    return ColumnChunk(rows, fields, attributes, types)


def _always_given(columns: list[list[Any]]) -> bool:
    if any(None not in column for column in columns):
        return True
    return bool(columns) and all(
        any(v is not None for v in row) for row in zip(*columns, strict=True)
    )


def parse_cells(column: Column, cells: Iterable[Any]) -> list[Any]:
    """Each cell parsed as the row path does (None when missing); NotClean on a bad one."""
    parse = column.parse
    assert parse is not None

    def cell(value: Any) -> Any:
        if value is None or value == "":
            return None
        if value.__class__ is str:
            if value.isspace():
                return None
        elif values.is_missing(value):
            return None
        try:
            return parse(value)
        except ValueError:
            raise NotClean from None

    cells = list(cells)
    try:
        distinct = {value: cell(value) for value in dict.fromkeys(cells)}
    except TypeError:  # unhashable cells: Parquet lists and structs
        return [cell(value) for value in cells]
    return list(map(distinct.__getitem__, cells))
