"""Bulk writes in batches: the one way importers and the demo put many rows in the store."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Insert, Table, insert
from sqlalchemy.dialects import postgresql, sqlite


def _insert(connection: Connection, table: Table, *, ignore_conflicts: bool) -> Insert:
    if not ignore_conflicts:
        return insert(table)
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    raise NotImplementedError(f"no conflict-ignoring insert for {dialect}")


def insert_rows(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    ignore_conflicts: bool = False,
) -> int:
    """Insert rows in one executemany; with ignore_conflicts, rows hitting a unique key are
    dropped. Returns how many rows were written."""
    if not rows:
        return 0
    statement = _insert(connection, table, ignore_conflicts=ignore_conflicts)
    if not ignore_conflicts:
        connection.execute(statement, rows)
        return len(rows)
    # executemany's rowcount is not reliable across drivers; RETURNING counts what landed.
    return len(connection.execute(statement.returning(table.c.id), rows).all())


def insert_returning_ids(
    connection: Connection, table: Table, rows: Sequence[dict[str, Any]]
) -> list[int]:
    """Insert rows and return their new ids, in the order of `rows`."""
    if not rows:
        return []
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(connection.execute(statement, rows).scalars())
