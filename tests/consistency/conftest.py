"""A store with the starter model active, two reps, and leads from a small activity file;
running `leadflow` against it in child processes (see processes.py)."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from leadflow.config import Settings, load_settings
from leadflow.consistency.problems import ConsistencyReport
from leadflow.consistency.service import check_store
from leadflow.scoring import versions
from leadflow.scoring.model_file import parse_model, starter_model_text
from leadflow.storage.database import write_transaction
from leadflow.users.models import User

from .processes import run

MODEL = parse_model(starter_model_text())
PATHS = ("/pricing", "/docs", "/blog", "/careers")


@pytest.fixture
def settings(db_url: str) -> Settings:
    """Default settings on the test store."""
    return load_settings(database_url=db_url)


@dataclass
class Cli:
    """`leadflow` on the test store, in child processes, with their output in one log."""

    db_url: str
    log: Path

    def args(self, *args: str) -> list[str]:
        """ARGS with --db pointing at the test store."""
        return [*args, "--db", self.db_url]

    def run(self, *args: str, timeout: float = 300) -> None:
        """Run a command to its end; fail with its output if it fails."""
        code = run(self.args(*args), self.log, timeout)
        assert code == 0, f"leadflow {' '.join(args)} exited {code}:\n{self.log.read_text()}"


@pytest.fixture
def cli(db_url: str, tmp_path: Path) -> Cli:
    """Commands on the test store."""
    return Cli(db_url, tmp_path / "leadflow.log")


def write_activities(
    path: Path,
    *,
    rows: int,
    leads: int,
    seed: int,
    days: int = 60,
    end: datetime | None = None,
    demo_share: float = 1 / 400,
) -> Path:
    """A CSV of page views and demo requests (`demo_share` of the rows) with sender ids,
    spread over `days` days up to `end` (an hour ago): demo requests of the last 30 days
    make MQLs."""
    rng = random.Random(seed)
    end = end or datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["event_id", "email", "type", "occurred_at", "path"])
        for i in range(rows):
            lead = rng.randrange(leads)
            demo = rng.random() < demo_share
            writer.writerow([
                f"{seed}-{i}",
                f"p{lead}@co{lead % 7}.example",
                "demo_request" if demo else "page_view",
                (end - timedelta(seconds=rng.randrange(days * 86_400))).isoformat(),
                "" if demo else rng.choice(PATHS),
            ])  # fmt: skip
    return path


@pytest.fixture
def modelled(engine: Engine) -> Engine:
    """The store with the starter model active and two reps in one team."""
    with write_transaction(engine) as session:
        versions.record_version(session=session, model=MODEL, source=starter_model_text())
        versions.activate(session=session, version=MODEL.version)
        session.add_all([
            User(email=f"rep{i}@vendor.example", name=f"Rep {i}", role="sales", team="inbound")
            for i in (1, 2)
        ])  # fmt: skip
    return engine


def consistent(engine: Engine, settings: Settings, when: str) -> ConsistencyReport:
    """The checker's report; fails naming `when` and every problem if there is one."""
    report = check_store(engine=engine, settings=settings)
    assert report.consistent, f"{when}:\n{report.summary()}"
    return report
