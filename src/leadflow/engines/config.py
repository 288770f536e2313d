"""The `[spark]` settings: where Spark runs (local mode, a cluster, Spark Connect) and how."""

from __future__ import annotations

import os
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ENV_PREFIX = "LEADFLOW_SPARK_"
LOCAL = "local[*]"


class SparkConfig(BaseModel):
    """Spark for batch work; `[spark]` in leadflow.toml, LEADFLOW_SPARK_<FIELD> or flags."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # local[*] (every core of this machine), local[N], or a cluster: spark://HOST:7077, yarn...
    master: str = LOCAL
    # Spark Connect (sc://HOST:15002): the session runs on a server; no local Java needed.
    remote: str | None = None
    # Partitions after a shuffle; unset: 2 per core in local mode, Spark's own default else.
    shuffle_partitions: int | None = Field(default=None, ge=1, le=100_000)
    # Memory of the driver started in local mode (where all the work happens), e.g. 4g.
    driver_memory: str | None = None
    log_level: str = "ERROR"
    # Any other Spark setting, passed as is (spark.executor.memory, spark.hadoop.fs.s3a...).
    conf: dict[str, str] = Field(default_factory=dict)

    @field_validator("master")
    @classmethod
    def _master(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("master: name local[*], local[N] or a cluster URL")
        return value.strip()

    @field_validator("remote")
    @classmethod
    def _remote(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("sc://"):
            raise ValueError(f"remote {value!r}: a Spark Connect URL is sc://HOST:PORT")
        return value

    @field_validator("driver_memory")
    @classmethod
    def _memory(cls, value: str | None) -> str | None:
        if value is not None and not (value[:-1].isdigit() and value[-1].lower() in "kmgt"):
            raise ValueError(f"driver_memory {value!r}: a number and k, m, g or t, such as 4g")
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        levels = ("ALL", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "OFF")
        if value.upper() not in levels:
            raise ValueError(f"log_level {value!r}: one of {', '.join(levels)}")
        return value.upper()

    @model_validator(mode="after")
    def _one_place(self) -> SparkConfig:
        if self.remote is not None and self.master != LOCAL:
            raise ValueError("set master (a cluster) or remote (Spark Connect), not both")
        return self

    @property
    def is_local(self) -> bool:
        """Whether Spark runs inside this process's own JVM on this machine."""
        return self.remote is None and self.master.startswith("local")


def with_environment(value: Any) -> Any:
    """The `[spark]` section with each LEADFLOW_SPARK_<FIELD> variable laid over it."""
    given = value.model_dump() if isinstance(value, SparkConfig) else dict(value or {})
    for name in SparkConfig.model_fields:
        if name == "conf":
            continue
        text = os.environ.get(ENV_PREFIX + name.upper())
        if text is not None:
            given[name] = text
    return given
