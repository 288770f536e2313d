"""The ingestion service on each test store, with the starter scoring model active."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from leadflow.config import Settings, load_settings
from leadflow.scoring import versions
from leadflow.scoring.model import ScoringModel
from leadflow.scoring.model_file import parse_model, starter_model_text
from leadflow.storage.database import write_transaction
from leadflow.users.models import User

MODEL = parse_model(starter_model_text())


@pytest.fixture
def settings(db_url: str) -> Settings:
    """Default settings on the test store."""
    return load_settings(database_url=db_url)


@pytest.fixture
def model(engine: Engine) -> ScoringModel:
    """The starter model, recorded and active, and a rep to hand MQLs to."""
    with write_transaction(engine) as session:
        versions.record_version(session=session, model=MODEL, source=starter_model_text())
        versions.activate(session=session, version=MODEL.version)
        session.add(User(email="rep@vendor.example", name="Rep", role="sales"))
    return MODEL


@pytest.fixture
def writing(engine: Engine) -> Iterator[Session]:
    """A write session; the test commits by leaving it."""
    with write_transaction(engine) as session:
        yield session
