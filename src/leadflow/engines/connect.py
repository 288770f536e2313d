"""Ibis connections: to the operational store itself, or to an in-process DuckDB."""

from __future__ import annotations

from typing import Any

import ibis
from ibis.backends import BaseBackend
from sqlalchemy import Engine


def backend_name(connection: BaseBackend) -> str:
    """The engine's name as the portable expressions know it: sqlite, postgres, duckdb..."""
    return str(connection.name)


def operational(engine: Engine) -> BaseBackend:
    """An Ibis connection to the same database the SQLAlchemy engine points at."""
    url = engine.url
    dialect = url.get_backend_name()
    if dialect == "sqlite":
        return ibis.sqlite.connect(url.database or ":memory:")
    if dialect == "postgresql":
        options: dict[str, Any] = {
            "host": url.host or "localhost",
            "port": url.port or 5432,
            "user": url.username,
            "password": url.password,
            "database": url.database,
        }
        return ibis.postgres.connect(**{k: v for k, v in options.items() if v is not None})
    raise ValueError(f"no Ibis backend for {dialect}")


def duckdb(path: str = ":memory:", *, threads: int | None = None) -> BaseBackend:
    """An in-process DuckDB whose session time zone is UTC; `threads` caps its parallelism."""
    connection = ibis.duckdb.connect(path)
    # The store keeps UTC instants; a local session zone would shift every timestamp.
    connection.raw_sql("SET TimeZone = 'UTC'")
    if threads:
        connection.raw_sql(f"SET threads = {int(threads)}")
    return connection
