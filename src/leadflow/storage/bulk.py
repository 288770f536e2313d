"""Bulk writes in batches: the one way importers and the demo put many rows in the store."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Insert, Table, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError


def _insert(connection: Connection, table: Table, *, ignore_conflicts: bool) -> Insert:
    if not ignore_conflicts:
        return insert(table)
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    raise NotImplementedError(f"no conflict-ignoring insert for {dialect}")


_NOTHING = object()


@dataclass(frozen=True)
class _DriverInsert:
    """An INSERT compiled once, with its rows bound through each column's type, ready for the
    driver's own executemany. SQLAlchemy's per-row parameter handling (and, on PostgreSQL,
    psycopg re-parsing one huge multi-row statement per batch) costs more than the insert."""

    sql: str
    parameters: list[Any]


def _driver_insert(
    connection: Connection, table: Table, statement: Insert, rows: Sequence[dict[str, Any]]
) -> _DriverInsert | None:
    """None when a column needs a Python-side default that the rows leave out (SQLAlchemy's
    own path computes those) or the dialect is neither SQLite nor PostgreSQL."""
    dialect = connection.dialect
    if dialect.name not in ("sqlite", "postgresql"):
        return None
    compiled = statement.compile(dialect=dialect, column_keys=list(rows[0]), for_executemany=True)
    positional = compiled.positiontup is not None
    names = list(compiled.positiontup or compiled.binds)
    if not set(names) <= rows[0].keys() or (not positional and compiled.escaped_bind_names):
        return None
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    ]
    pairs = list(zip(names, processors, strict=True))
    if positional:
        parameters: list[Any] = [
            tuple([row[n] if process is None else process(row[n]) for n, process in pairs])
            for row in rows
        ]
    else:
        parameters = [
            {n: row[n] if process is None else process(row[n]) for n, process in pairs}
            for row in rows
        ]
    return _DriverInsert(compiled.string, parameters)


def _remembering(process: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    """A bind processor that reuses its last result for the same object: a batch often
    carries one value in every row (an import's received_at, an empty properties dict)."""
    if process is None:
        return None
    last: list[Any] = [_NOTHING, None]

    def bound(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, process(value)
        return last[1]

    return bound


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
    plan = _driver_insert(connection, table, statement, rows)
    if plan is not None:
        # sqlite3 and psycopg 3 both sum an executemany's rowcount, skipped rows excluded.
        return int(connection.exec_driver_sql(plan.sql, plan.parameters).rowcount)
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
    plan = _driver_insert(connection, table, insert(table), rows)
    if plan is None:
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(connection.execute(statement, rows).scalars())
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if connection.dialect.name == "postgresql":
            # One result per row, in the order of the rows.
            cursor.executemany(f"{plan.sql} RETURNING id", plan.parameters, returning=True)
            ids = [cursor.fetchone()[0]]
            while cursor.nextset():
                ids.append(cursor.fetchone()[0])
            return ids
        # SQLite promises no order for a multi-row RETURNING: one row at a time.
        ids = []
        for values in plan.parameters:
            cursor.execute(plan.sql, values)
            ids.append(int(cursor.lastrowid))
        return ids
    except connection.dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(
            plan.sql, None, exc, connection.dialect.loaded_dbapi.Error
        ) from exc
    finally:
        cursor.close()
