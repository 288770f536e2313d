"""Engines and sessions for the operational store, migrated to the current schema on open."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from leadflow.config import normalize_database_url
from leadflow.errors import ConfigError

MIGRATIONS = Path(__file__).with_name("migrations")
# Execution option of write sessions: on SQLite, BEGIN IMMEDIATE (see `write_session_factory`).
WRITE_LOCK_OPTION = "leadflow_write_lock"
# How long a SQLite writer waits for the write lock before "database is locked".
SQLITE_BUSY_SECONDS = 30
# Connection info key: this connection holds its process's writer turn (see below).
_TURN = "leadflow_writer_turn"
# Connection info key: the inode of the SQLite file when the connection opened it.
_INODE = "leadflow_sqlite_inode"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # A deferred transaction that reads, then writes, must upgrade its read lock; when
    # another writer got there first SQLite fails at once with "database is locked" (the
    # busy timeout cannot help). Taking the write lock at BEGIN makes writers queue instead.
    if connection.get_execution_options().get(WRITE_LOCK_OPTION):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_writer_queue(engine: Engine) -> None:
    """Make one engine's writers wait their turn in the process, then BEGIN IMMEDIATE.

    SQLite's busy handler polls with sleeps growing to 100 ms, so writers queued there start
    late and out of turn (a p99 of seconds under a few concurrent writers); a lock hands the
    turn over at once. It only orders this process's writers: other processes still meet
    at BEGIN IMMEDIATE, and a writer waiting longer than the busy timeout goes on to it.
    """
    writers = threading.Lock()

    def begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        if options.get(WRITE_LOCK_OPTION) and not connection.info.get(_TURN):
            connection.info[_TURN] = writers.acquire(timeout=SQLITE_BUSY_SECONDS)
        try:
            _sqlite_begin(connection)
        except BaseException:
            end_turn(connection)
            raise

    def end_turn(connection: Connection) -> None:
        if connection.info.pop(_TURN, False):
            writers.release()

    event.listen(engine, "begin", begin)
    event.listen(engine, "commit", end_turn)
    event.listen(engine, "rollback", end_turn)


def _sqlite_file_guard(engine: Engine, path: Path) -> None:
    """Refuse to commit to a database file deleted or replaced since the connection opened.

    SQLite keeps writing to the open file after it is unlinked, so without this check an
    import into a vanished file would report success with every row lost.
    """

    def remember(_dbapi_connection: Any, record: Any) -> None:
        record.info[_INODE] = _inode(path)

    def check(connection: Connection) -> None:
        opened = connection.info.get(_INODE)
        if opened is not None and _inode(path) != opened:
            raise ConfigError(
                f"database file {path} was deleted or replaced while leadflow was writing to "
                "it: nothing was committed; restore the file (or point --db at the right one) "
                "and run the command again"
            )

    event.listen(engine, "connect", remember)
    # Inserted first, so that the check runs before anything treats the commit as done.
    event.listen(engine, "commit", check, insert=True)


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except FileNotFoundError:
        return None


def create_store_engine(url: str) -> Engine:
    """An engine for a sqlite:// or postgresql:// URL, tuned for the store's workload."""
    try:
        url = normalize_database_url(url)
        parsed = make_url(url)
    except (ValueError, ArgumentError) as exc:
        raise ConfigError(f"--db / LEADFLOW_DATABASE_URL: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            folder = Path(database).expanduser().resolve().parent
            if not folder.is_dir():
                raise ConfigError(f"--db {url}: folder {folder} does not exist")
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        _sqlite_writer_queue(engine)  # and BEGIN IMMEDIATE
        if database and database != ":memory:":
            _sqlite_file_guard(engine, Path(database).expanduser().resolve())
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def alembic_config(engine: Engine) -> Config:
    """Alembic configuration pointing at the migrations shipped inside the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, None for an empty database."""
    with engine.connect() as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
    return ",".join(sorted(heads)) or None


@cache
def head_revision() -> str | None:
    """The newest schema revision this version of leadflow knows."""
    heads = ScriptDirectory.from_config(_offline_config()).get_heads()
    return ",".join(sorted(heads)) or None


def _offline_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(engine: Engine) -> None:
    """Bring the database to the newest schema; a no-op when it is already there."""
    try:
        if current_revision(engine) == head_revision():
            return
        with engine.begin() as connection:
            config = alembic_config(engine)
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")
    except OperationalError as exc:
        raise ConfigError(
            f"cannot open database {engine.url.render_as_string()}: {exc.orig}"
        ) from exc


def open_store(url: str) -> Engine:
    """An engine on a migrated store: what every command and the server start with."""
    engine = create_store_engine(url)
    migrate(engine)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on any error."""
    with session_factory(engine).begin() as session:
        yield session


def write_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for transactions that write: on SQLite they take the write lock when they
    begin (BEGIN IMMEDIATE), so concurrent writers wait their turn (busy_timeout) instead of
    failing; on PostgreSQL they are plain sessions (writers lock the rows they change).
    Cheap to make (an engine view sharing the pool), so made per use."""
    return sessionmaker(
        engine.execution_options(**{WRITE_LOCK_OPTION: True}), expire_on_commit=False
    )


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Session]:
    """`transaction` for work that writes: on SQLite the write lock is taken up front."""
    with write_session_factory(engine).begin() as session:
        yield session
