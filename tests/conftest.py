"""Stores for tests: a fresh, migrated SQLite file and a real PostgreSQL database.

Every test that takes `db_url`, `engine` or `session` runs once on each database. PostgreSQL
comes from LEADFLOW_TEST_POSTGRES_URL (scripts/test starts a throwaway server); without it the
PostgreSQL half is skipped locally and fails under CI=true, where nothing may be skipped.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

import leadflow.cli.output  # noqa: F401  (see below)
from leadflow.engines import spark
from leadflow.engines.config import SparkConfig
from leadflow.errors import LeadflowError
from leadflow.storage.database import create_store_engine, migrate, session_factory
from leadflow.storage.registry import metadata

# Rich fixes a console's width when it is built under COLUMNS. The CLI's consoles are built on
# first import, which the lazy command table may leave to a test that invokes the CLI with a
# narrow COLUMNS; built here, they follow the environment of each invocation instead.

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(reason: str) -> None:
    """Skip a test whose component is missing, except under CI where that is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: no suite may be skipped)")
    pytest.skip(reason)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Spark tests share one xdist worker (scripts/test: --dist loadgroup): one JVM per run."""
    for item in items:
        if item.get_closest_marker("spark"):
            item.add_marker(pytest.mark.xdist_group("spark"))


@pytest.fixture(scope="session")
def spark_config() -> SparkConfig:
    """Spark in local mode on two cores; its one session per test process starts here."""
    config = SparkConfig(master="local[2]", shuffle_partitions=2)
    try:
        spark.session(config)
    except LeadflowError as exc:
        require(str(exc))
    return config


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for every test that needs a store."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = create_store_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A migrated database of its own on the test PostgreSQL server, dropped at the end."""
    server = os.environ.get("LEADFLOW_TEST_POSTGRES_URL")
    if not server:
        require("LEADFLOW_TEST_POSTGRES_URL is not set; run the suite with scripts/test")
    name = f"leadflow_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    engine = create_store_engine(url)
    migrate(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_postgres(url: str) -> None:
    tables = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    engine = create_store_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty, migrated store; the test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "leadflow.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_database")
    _truncate_postgres(url)
    return url


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """URL of an empty, migrated SQLite store, for tests about SQLite alone."""
    path = tmp_path / "leadflow.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on the test store."""
    engine = create_store_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the test store; the test commits what it wants kept."""
    with session_factory(engine)() as session:
        yield session
