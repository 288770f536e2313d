"""A SQLite store that is read-only, or whose file vanishes while an import writes to it:
the import stops with an error naming the cause, and nothing of it is written."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.conftest import require
from tests.consistency.conftest import write_activities
from tests.consistency.processes import run, start, wait_for

from leadflow.activities.models import Activity
from leadflow.config import load_settings
from leadflow.consistency.service import check_store
from leadflow.storage.database import create_store_engine, session_factory


def _activities(url: str) -> int:
    engine = create_store_engine(url)
    with session_factory(engine)() as session:
        count = session.scalar(select(func.count()).select_from(Activity)) or 0
    report = check_store(engine=engine, settings=load_settings(database_url=url))
    engine.dispose()
    assert report.consistent, report.summary()
    return count


def _read_only(path: Path) -> None:
    if os.geteuid() != 0:
        path.chmod(0o444)
        return
    # Root writes through file modes; only the immutable attribute stops it.
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)]).returncode:
        require("cannot make a file read-only for root here (chattr +i)")


def _writable(path: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(path)], check=False)
    path.chmod(0o644)


def test_a_read_only_store_refuses_the_import_by_name(sqlite_url: str, tmp_path: Path) -> None:
    database = Path(sqlite_url.removeprefix("sqlite:///"))
    first = write_activities(tmp_path / "first.csv", rows=200, leads=20, seed=1)
    assert run(["import", "activities", str(first), "--db", sqlite_url], tmp_path / "log") == 0
    before = _activities(sqlite_url)
    _read_only(database)
    try:
        second = write_activities(tmp_path / "second.csv", rows=200, leads=20, seed=2)
        log = tmp_path / "refused.log"
        assert run(["import", "activities", str(second), "--db", sqlite_url], log) == 1
    finally:
        _writable(database)
    said = log.read_text()
    assert "second.csv" in said and "readonly database" in said and "nothing was written" in said
    assert "Traceback" not in said
    assert _activities(sqlite_url) == before == 200


@pytest.mark.slow
def test_a_store_file_that_vanishes_mid_import_is_named_and_gets_nothing(
    sqlite_url: str, tmp_path: Path
) -> None:
    database = Path(sqlite_url.removeprefix("sqlite:///"))
    assert run(["import", "activities",
                str(write_activities(tmp_path / "first.csv", rows=200, leads=20, seed=1)),
                "--db", sqlite_url], tmp_path / "log") == 0  # fmt: skip
    # Big enough that even the column-wise importer is still writing when the file goes.
    big = write_activities(tmp_path / "big.csv", rows=300_000, leads=200, seed=3)
    log = tmp_path / "vanished.log"
    child = start(["import", "activities", str(big), "--db", sqlite_url], log)
    # While the import runs (its connection open: the write-ahead log exists; it commits
    # only at the end), the file goes away: moved aside with its WAL, so that the test can
    # open what was written to it.
    wal = database.with_name(database.name + "-wal")
    wait_for(wal.exists, 120, "the import to open the store")
    time.sleep(0.5)
    assert child.is_alive(), "the import ended before the file could vanish"
    moved = tmp_path / "moved.db"
    for suffix in ("", "-wal", "-shm"):
        source = database.with_name(database.name + suffix)
        if source.exists():
            os.replace(source, moved.with_name(moved.name + suffix))
    child.join(300)
    assert child.exitcode == 1, log.read_text()
    said = log.read_text()
    assert f"database file {database} was deleted or replaced" in said, said
    assert "nothing was committed" in said and "Traceback" not in said
    assert _activities(f"sqlite:///{moved}") == 200
