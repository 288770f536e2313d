"""Bulk writes in batches: the one way importers and the demo put many rows in the store."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import repeat
from typing import Any

from sqlalchemy import Connection, Insert, Table, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

from leadflow.storage.base import UTCDateTime


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


def insert_columns(
    connection: Connection,
    table: Table,
    columns: Mapping[str, Sequence[Any]],
    *,
    constants: Mapping[str, Any] | None = None,
    json_text: Collection[str] = (),
    ignore_conflicts: bool = False,
) -> int:
    """Insert rows given column by column (every list as long; `constants` the same in every
    row; `json_text` columns already serialized): one executemany on SQLite, COPY on
    PostgreSQL. With ignore_conflicts, rows hitting a unique key are dropped. Returns how many
    rows were written."""
    constants = dict(constants or {})
    size = len(next(iter(columns.values()))) if columns else 0
    if not size:
        return 0
    dialect = connection.dialect
    names = [*columns, *constants]
    bound: list[Iterable[Any]] = []
    for name in names:
        process = None if name in json_text else _bind_processor(table, name, dialect)
        if name in constants:
            value = constants[name]
            bound.append(repeat(value if process is None else process(value), size))
        else:
            values = columns[name]
            bound.append(values if process is None else map(process, values))
    if dialect.name == "postgresql":
        return _copy_rows(connection, table, names, zip(*bound, strict=True), ignore_conflicts)
    statement = _insert(connection, table, ignore_conflicts=ignore_conflicts)
    compiled = statement.compile(dialect=dialect, column_keys=names, for_executemany=True)
    by_name = dict(zip(names, bound, strict=True))
    ordered = [by_name[name] for name in compiled.positiontup or ()]
    # sqlite3 sums an executemany's rowcount, rows skipped on a conflict excluded.
    rows = list(zip(*ordered, strict=True))
    return int(connection.exec_driver_sql(compiled.string, rows).rowcount)


def _bind_processor(table: Table, name: str, dialect: Dialect) -> Callable[[Any], Any] | None:
    type_ = table.c[name].type
    if isinstance(type_, UTCDateTime) and dialect.name == "sqlite":
        return sqlite_utc_text
    return type_.dialect_impl(dialect).bind_processor(dialect)  # type: ignore[no-any-return]


def sqlite_utc_text(value: datetime) -> str:
    """The text UTCDateTime binds on SQLite (naive UTC, as SQLAlchemy's DATETIME writes it),
    in one call instead of three: an import binds a million of them."""
    return value.astimezone(UTC).isoformat(" ", "microseconds")[:26]


def _copy_rows(
    connection: Connection,
    table: Table,
    names: list[str],
    rows: Iterable[tuple[Any, ...]],
    ignore_conflicts: bool,
) -> int:
    """COPY the rows in; through a temporary table when conflicting rows are to be dropped
    (COPY itself cannot skip them)."""
    from psycopg import sql

    columns = sql.SQL(", ").join(map(sql.Identifier, names))
    target = sql.Identifier(table.name)
    staging = sql.Identifier(f"leadflow_copy_{table.name}")
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if ignore_conflicts:
            cursor.execute(
                sql.SQL(
                    "CREATE TEMPORARY TABLE IF NOT EXISTS {} ON COMMIT DROP AS"
                    " SELECT {} FROM {} WITH NO DATA"
                ).format(staging, columns, target)
            )
            cursor.execute(sql.SQL("TRUNCATE {}").format(staging))
        into = staging if ignore_conflicts else target
        with cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(into, columns)) as copy:
            for row in rows:
                copy.write_row(row)
        if ignore_conflicts:
            cursor.execute(
                sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} ON CONFLICT DO NOTHING").format(
                    target, columns, columns, staging
                )
            )
        return int(cursor.rowcount)
    except connection.dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance("COPY", None, exc, connection.dialect.loaded_dbapi.Error) from exc
    finally:
        cursor.close()
