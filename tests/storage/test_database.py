"""The store opens, migrates once, and keeps timestamps as UTC instants on both databases."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from leadflow.errors import ConfigError
from leadflow.leads.models import Lead
from leadflow.storage.database import current_revision, head_revision, open_store
from leadflow.storage.registry import metadata


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        drift = compare_metadata(MigrationContext.configure(connection), metadata)
    assert drift == []
    assert current_revision(engine) == head_revision()


def test_open_store_migrates_an_empty_sqlite_file(tmp_path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'new.db'}")
    assert current_revision(engine) == head_revision()
    open_store(f"sqlite:///{tmp_path / 'new.db'}")  # second open is a no-op
    engine.dispose()


def test_timestamps_round_trip_as_utc(session: Session) -> None:
    paris = timezone(timedelta(hours=1))
    session.add(Lead(email="a@example.com", created_at=datetime(2026, 3, 1, 9, 30, tzinfo=paris)))
    session.commit()
    session.expire_all()
    created = session.scalars(select(Lead.created_at)).one()
    assert created == datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    assert created.tzinfo is not None


def test_naive_timestamps_are_refused(session: Session) -> None:
    session.add(Lead(email="b@example.com", created_at=datetime(2026, 3, 1, 9, 30)))
    with pytest.raises(Exception, match="naive datetime"):
        session.commit()


@pytest.mark.parametrize(
    "url",
    ["mysql://localhost/db", "sqlite:////no/such/folder/x.db"],
)
def test_bad_database_urls_name_the_setting(url: str) -> None:
    with pytest.raises(ConfigError, match="--db"):
        open_store(url)
