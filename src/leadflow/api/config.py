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
    # Every JSON body, on every route: no object with more names (properties, attributes,
    # traits), no text longer, nothing nested deeper; each refusal is a 422 naming the place.
    max_properties: int = Field(default=200, ge=1, le=10_000)
    max_text_length: int = Field(default=65_536, ge=1_024, le=16_777_216)
    max_nesting_depth: int = Field(default=16, ge=2, le=256)
