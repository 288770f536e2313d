"""Typed settings: defaults, then the config file, then LEADFLOW_* variables, then flags."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from leadflow.api.config import ApiConfig
from leadflow.engines.config import SparkConfig, with_environment
from leadflow.errors import ConfigError
from leadflow.lifecycle.config import LifecycleConfig
from leadflow.predict.config import ScoringConfig
from leadflow.routing.config import RoutingConfig
from leadflow.segment.config import SegmentConfig
from leadflow.sla.config import SlaConfig
from leadflow.web.config import WebConfig
from leadflow.webhooks.config import WebhookConfig

DEFAULT_CONFIG_FILE = "leadflow.toml"
DEFAULT_DATABASE_URL = "sqlite:///leadflow.db"


class Settings(BaseSettings):
    """Everything a deployment configures; see docs/configuration.md."""

    model_config = SettingsConfigDict(env_prefix="LEADFLOW_", extra="forbid")

    database_url: str = DEFAULT_DATABASE_URL
    scoring_model: Path | None = None
    scoring: ScoringConfig = Field(default_factory=ScoringConfig)
    time_zone: str = "UTC"
    extra_free_mail_domains: list[str] = Field(default_factory=list)
    extra_disposable_domains: list[str] = Field(default_factory=list)
    import_chunk_rows: int = Field(default=5_000, ge=100, le=1_000_000)
    lifecycle: LifecycleConfig = Field(default_factory=LifecycleConfig)
    routing: RoutingConfig = Field(default_factory=RoutingConfig)
    sla: SlaConfig = Field(default_factory=SlaConfig)
    # Signs webhooks (and other server secrets); never stored in the database.
    secret_key: SecretStr | None = None
    webhooks: WebhookConfig = Field(default_factory=WebhookConfig)
    api: ApiConfig = Field(default_factory=ApiConfig)
    segment: SegmentConfig = Field(default_factory=SegmentConfig)
    web: WebConfig = Field(default_factory=WebConfig)
    spark: SparkConfig = Field(default_factory=SparkConfig, validate_default=True)

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        return normalize_database_url(value)

    @field_validator("spark", mode="before")
    @classmethod
    def _spark_environment(cls, value: object) -> object:
        # LEADFLOW_SPARK_MASTER and the like: a cluster URL is set per machine, not per file.
        return with_environment(value)

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        config_file = os.environ.get("LEADFLOW_CONFIG", DEFAULT_CONFIG_FILE)
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file)
        return (init_settings, env_settings, toml)


# user:password@ in a URL: the password is replaced before any URL is shown.
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^/\s]*@")


def masked_url(url: str) -> str:
    """The URL as errors and logs may show it: any password replaced by ***."""
    return _URL_PASSWORD.sub(r"\1***@", url)


def normalize_database_url(url: str) -> str:
    """Accept sqlite and PostgreSQL URLs; PostgreSQL always goes through psycopg 3."""
    url = url.strip()
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith(("postgresql+psycopg://", "sqlite://")):
        return url
    raise ValueError(
        f"unsupported database URL {masked_url(url)!r}: use sqlite:///PATH or "
        "postgresql://USER@HOST/DB"
    )


def load_settings(**overrides: Any) -> Settings:
    """Settings with flag overrides (None means not given); errors become ConfigError."""
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        source = os.environ.get("LEADFLOW_CONFIG", DEFAULT_CONFIG_FILE)
        raise ConfigError(f"invalid settings (flags, LEADFLOW_* or {source}): {problems}") from exc
