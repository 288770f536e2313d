"""The [webhooks] table of leadflow.toml and the server secret key."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadflow.config import load_settings
from leadflow.errors import ConfigError


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("LEADFLOW_CONFIG", "LEADFLOW_SECRET_KEY", "LEADFLOW_WEBHOOKS"):
        monkeypatch.delenv(name, raising=False)


def test_defaults_and_the_toml_table() -> None:
    assert load_settings().webhooks.max_attempts == 8
    assert load_settings().secret_key is None
    Path("leadflow.toml").write_text(
        'secret_key = "from-the-file"\n[webhooks]\nmax_attempts = 3\nbackoff_base_seconds = 5\n'
    )
    settings = load_settings()
    assert (settings.webhooks.max_attempts, settings.webhooks.backoff_base_seconds) == (3, 5)
    assert settings.secret_key is not None
    assert settings.secret_key.get_secret_value() == "from-the-file"
    assert "from-the-file" not in repr(settings)


def test_environment_wins_over_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    Path("leadflow.toml").write_text('secret_key = "from-the-file"\n')
    monkeypatch.setenv("LEADFLOW_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("LEADFLOW_WEBHOOKS", '{"batch_size": 7}')
    settings = load_settings()
    assert settings.secret_key and settings.secret_key.get_secret_value() == "from-the-environment"
    assert settings.webhooks.batch_size == 7


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("max_attempts = 0", "webhooks.max_attempts"),
        ("backoff_jitter = 1.0", "webhooks.backoff_jitter"),
        ("backoff_base_seconds = 60\nbackoff_cap_seconds = 10", "below backoff_base_seconds"),
        ("retries = 3", "webhooks.retries"),
    ],
)
def test_unsafe_values_are_refused_by_name(table: str, message: str) -> None:
    Path("leadflow.toml").write_text(f"[webhooks]\n{table}\n")
    with pytest.raises(ConfigError, match=message):
        load_settings()
