"""Helpers for import tests: write files in every format, import them, look at the store."""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from leadflow.importing.plan import ColumnRules
from leadflow.importing.report import ImportSummary
from leadflow.importing.service import ImportOptions, import_file
from leadflow.storage.registry import metadata

Rows = Sequence[dict[str, Any]]


def write_file(path: Path, rows: Rows, columns: Sequence[str] | None = None) -> Path:
    """Rows written in the format the file name says: .csv(.gz), .jsonl(.gz), .parquet."""
    columns = list(columns or dict.fromkeys(key for row in rows for key in row))
    name = path.name
    if name.endswith(".parquet"):
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist([{c: row.get(c) for c in columns} for row in rows])
        pq.write_table(table, path)
        return path
    opener: Any = gzip.open if name.endswith(".gz") else open
    with opener(path, "wt", newline="", encoding="utf-8") as out:
        if ".csv" in name:
            writer = csv.writer(out)
            writer.writerow(columns)
            for row in rows:
                writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
        else:
            for row in rows:
                out.write(json.dumps({k: v for k, v in row.items() if v is not None}) + "\n")
    return path


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """write(name, rows, columns=None) -> path of the file in the test's folder."""

    def _write(name: str, rows: Rows, columns: Sequence[str] | None = None) -> Path:
        return write_file(tmp_path / name, rows, columns)

    return _write


@pytest.fixture
def run(engine: Engine) -> Callable[..., ImportSummary]:
    """run(kind, path, **options) imports into the test store; column flags as dicts."""

    def _run(kind: str, path: Path, **given: Any) -> ImportSummary:
        columns = ColumnRules(
            mappings=given.pop("mappings", {}),
            types=given.pop("types", {}),
            ignore=frozenset(given.pop("ignore", ())),
        )
        options = ImportOptions(columns=columns, **given)
        return import_file(engine=engine, kind=kind, path=path, options=options)

    return _run


@pytest.fixture
def table_counts(engine: Engine) -> Callable[[], dict[str, int]]:
    """How many rows every table of the store holds."""

    def _counts() -> dict[str, int]:
        with engine.connect() as connection:
            return {
                table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                for table in metadata.sorted_tables
            }

    return _counts


@pytest.fixture
def rows_of(engine: Engine) -> Callable[[str], list[dict[str, Any]]]:
    """All rows of a table as dicts, in id order."""

    def _rows(name: str) -> list[dict[str, Any]]:
        table = metadata.tables[name]
        with engine.connect() as connection:
            result = connection.execute(select(table).order_by(table.c.id))
            return [dict(row._mapping) for row in result]

    return _rows
