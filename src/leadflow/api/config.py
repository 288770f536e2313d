"""The `[api]` settings: limits the HTTP server enforces on every request."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ApiConfig(BaseModel):
    """Request limits of the HTTP API; `[api]` in leadflow.toml or LEADFLOW_API as JSON."""

    model_config = ConfigDict(extra="forbid")

    # Bigger bodies are refused with 413 before any of them is parsed.
    max_body_bytes: int = Field(default=1_048_576, ge=1_024, le=268_435_456)
    # A batch of activities with more events is refused with 413; nothing of it is written.
    max_batch_events: int = Field(default=1_000, ge=1, le=100_000)
