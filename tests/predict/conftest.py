"""Small synthetic conversion tables whose truth is known, for the predictive tests."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, insert
from typer.testing import CliRunner

from leadflow.activities.models import Activity
from leadflow.cli.app import app
from leadflow.config import Settings, load_settings
from leadflow.leads.models import AttributeDefinition, Lead
from leadflow.lifecycle.models import StageChange


def leads_table(n: int = 3000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Leads with an honest numeric, an honest categorical with blanks, noise, and the outcome."""
    rng = np.random.default_rng(seed)
    visits = rng.poisson(3, n).astype(float)
    role = rng.choice(["vp", "manager", "student", None], n, p=[0.2, 0.4, 0.3, 0.1])
    noise = np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n))
    logit = -2.0 + 0.35 * visits + np.select([role == "vp", role == "student"], [1.2, -1.5], 0.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame({"visits": visits, "role": role.astype(object), "noise": noise})
    return frame, y


NUMERIC = ["visits", "noise"]
CATEGORICAL = ["role"]


@pytest.fixture(scope="module")
def leads() -> tuple[pd.DataFrame, np.ndarray]:
    """3,000 synthetic leads and their outcomes."""
    return leads_table()


@pytest.fixture(scope="session")
def make_leads():
    """The builder itself, for tests that need several independent samples."""
    return leads_table


# A small, learnable store history for the training and scoring tests (P1's part): who
# reaches SQL depends on who they are and what they did, so a trained model must find out.

HISTORY_END = datetime(2025, 12, 1, tzinfo=UTC)


def build_history(engine: Engine, *, leads: int = 500, seed: int = 7) -> None:
    """Leads over most of a year; VPs and leads that asked for a demo tend to reach SQL."""
    random = Random(seed)
    lead_rows, events, changes = [], [], []
    for i in range(1, leads + 1):
        created = HISTORY_END - timedelta(days=random.uniform(1, 330))
        seniority = random.choice(["vp", "manager", "intern"])
        hot = (seniority == "vp" and random.random() < 0.6) or random.random() < 0.12
        lead_rows.append(
            {
                "id": i,
                "email": f"lead{i}@firm{i % 40}.example",
                "seniority": seniority,
                "source": random.choice(["webinar", "paid_search", "referral"]),
                "is_free_email": random.random() < 0.3,
                "is_disposable_email": False,
                "created_at": created,
                "stage_changed_at": created,
                "stage": "lead",
                "attributes": {"budget": random.choice([1000, 50000]), "tier": "gold"},
            }
        )
        for j in range(random.randint(0, 6)):
            at = created + timedelta(days=random.uniform(0, 80), seconds=j)
            if at < HISTORY_END:
                kind = random.choice(["page_view", "page_view", "email_open"])
                events.append(_event(f"{i}-{j}", i, kind, at))
        if hot:
            asked = created + timedelta(days=random.uniform(0.5, 40))
            qualified = asked + timedelta(days=random.uniform(1, 30))
            if asked < HISTORY_END:
                events.append(_event(f"{i}-demo", i, "demo_request", asked))
            if qualified < HISTORY_END:
                changes.append(_change(i, "lead", "mql", asked))
                changes.append(_change(i, "mql", "sql", qualified))
    with engine.begin() as connection:
        connection.execute(
            insert(AttributeDefinition),
            [
                {"entity": "lead", "name": "budget", "type": "number"},
                {"entity": "lead", "name": "tier", "type": "text"},
            ],
        )
        connection.execute(insert(Lead), lead_rows)
        connection.execute(insert(Activity), events)
        connection.execute(insert(StageChange), changes)


def _event(event_id: str, lead_id: int, kind: str, at: datetime) -> dict[str, object]:
    return {
        "event_id": event_id,
        "lead_id": lead_id,
        "type": kind,
        "occurred_at": at,
        "properties": {},
        "source": None,
    }


def _change(lead_id: int, old: str, new: str, at: datetime) -> dict[str, object]:
    return {
        "lead_id": lead_id,
        "cycle": 1,
        "from_stage": old,
        "to_stage": new,
        "changed_at": at,
        "actor_type": "user",
    }


def _small_settings(db_url: str, **predictive: object) -> Settings:
    values = {"min_positives": 20, "min_negatives": 20, "max_snapshots": 6} | predictive
    return load_settings(database_url=db_url, scoring={"predictive": values})


@pytest.fixture
def small_settings() -> Callable[..., Settings]:
    """Settings for a small history (fewer rows needed than the default 100 of each):
    `small_settings(db_url, **predictive_overrides)`."""
    return _small_settings


@pytest.fixture
def as_of() -> datetime:
    """The end of `history`: training and scoring happen at this time."""
    return HISTORY_END


@pytest.fixture
def history(engine: Engine) -> Engine:
    """The test store holding a small, learnable history of 500 leads."""
    build_history(engine)
    return engine


# A small demo world for the commands that read a whole store (backtest, threshold, suggest):
# built once per test process, each module works on its own copy.

DEMO = ["demo", "--leads", "400", "--months", "4", "--seed", "3"]


@pytest.fixture(scope="session")
def demo_world_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store, as built: copy it before writing to it (see `demo_world`)."""
    path = tmp_path_factory.mktemp("demo-world") / "demo.db"
    result = CliRunner().invoke(app, [*DEMO, "--db", f"sqlite:///{path}"])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="module")
def demo_world(demo_world_file: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of this module's own copy of the demo store."""
    copy = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copyfile(demo_world_file, copy)
    return f"sqlite:///{copy}"
