"""Settings come from defaults, leadflow.toml, LEADFLOW_* and flags, in that order."""

from pathlib import Path

import pytest

from leadflow.config import load_settings
from leadflow.errors import ConfigError


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("LEADFLOW_DATABASE_URL", "LEADFLOW_CONFIG", "LEADFLOW_TIME_ZONE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_defaults() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite:///leadflow.db"
    assert settings.time_zone == "UTC"


def test_precedence_file_then_environment_then_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    Path("leadflow.toml").write_text('database_url = "sqlite:///from-file.db"\n')
    assert load_settings().database_url == "sqlite:///from-file.db"
    monkeypatch.setenv("LEADFLOW_DATABASE_URL", "sqlite:///from-env.db")
    assert load_settings().database_url == "sqlite:///from-env.db"
    assert load_settings(database_url="sqlite:///flag.db").database_url == "sqlite:///flag.db"


def test_postgres_urls_use_psycopg_3() -> None:
    settings = load_settings(database_url="postgres://u@db/leadflow")
    assert settings.database_url == "postgresql+psycopg://u@db/leadflow"


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("database_url", "mysql://x/y", "unsupported database URL"),
        ("time_zone", "Mars/Olympus", "unknown time zone"),
        ("import_chunk_rows", 1, "greater than or equal to 100"),
    ],
)
def test_unsafe_values_are_refused_by_name(setting: str, value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=setting) as error:
        load_settings(**{setting: value})
    assert message in str(error.value)


def test_unknown_keys_in_the_file_are_refused() -> None:
    Path("leadflow.toml").write_text('databse_url = "sqlite:///typo.db"\n')
    with pytest.raises(ConfigError, match="databse_url"):
        load_settings()
