"""A million activities stream through in bounded memory (SQLite; import in a child process)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from leadflow.activities.models import Activity
from leadflow.storage.database import create_store_engine

CHILD = """
import json, resource, sys
from pathlib import Path
from leadflow.importing.service import import_file
from leadflow.storage.database import create_store_engine

engine = create_store_engine(sys.argv[1])
summary = import_file(engine=engine, kind="activities", path=Path(sys.argv[2]))
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rows": summary.rows, "created": summary.created, "peak_mb": peak_mb}))
"""


def write_activities(path: Path, rows: int) -> Path:
    with path.open("w") as out:
        out.write("event_id,email,type,occurred_at,page\n")
        for i in range(rows):
            second = i % 86_400
            out.write(
                f"e{i},p{i % 20_000}@corp{i % 700}.com,page_view,"
                f"2024-03-{1 + i % 28:02d}T{second // 3600:02d}:{second // 60 % 60:02d}:"
                f"{second % 60:02d}Z,/page/{i % 50}\n"
            )
    return path


def import_in_child(sqlite_template: Path, folder: Path, path: Path) -> dict:
    database = folder / f"{path.stem}.db"
    shutil.copy(sqlite_template, database)
    url = f"sqlite:///{database}"
    done = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(path)],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    engine = create_store_engine(url)
    with engine.connect() as connection:
        result["stored"] = connection.execute(select(func.count()).select_from(Activity)).scalar()
    engine.dispose()
    return result


@pytest.mark.slow
def test_a_million_activities_import_in_bounded_memory(
    sqlite_template: Path, tmp_path: Path
) -> None:
    # The smaller file is already many chunks long, and fills SQLite's page cache: what is
    # compared is how memory grows with the file, not the fixed cost of one chunk.
    small = import_in_child(
        sqlite_template, tmp_path, write_activities(tmp_path / "small.csv", 200_000)
    )
    big = import_in_child(
        sqlite_template, tmp_path, write_activities(tmp_path / "big.csv", 1_000_000)
    )
    assert (small["rows"], small["created"], small["stored"]) == (200_000,) * 3
    assert (big["rows"], big["created"], big["stored"]) == (1_000_000,) * 3
    # Holding the file would cost several hundred MB more; the allowance covers SQLite's
    # page cache (64 MB while importing) and allocator slack.
    assert big["peak_mb"] < small["peak_mb"] + 150, (small, big)
