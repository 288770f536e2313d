"""Webhook delivery settings: the `[webhooks]` table of leadflow.toml."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class WebhookConfig(BaseModel):
    """Retries, backoff, timeouts and batching of webhook delivery."""

    model_config = ConfigDict(extra="forbid")

    # Attempts before a delivery is dead-lettered (the first send counts as one).
    max_attempts: int = Field(default=8, ge=1, le=100)
    # The n-th retry waits min(cap, base * 2**(n-1)) seconds, less up to `jitter` of it.
    backoff_base_seconds: float = Field(default=60.0, gt=0)
    backoff_cap_seconds: float = Field(default=6 * 3600.0, gt=0)
    backoff_jitter: float = Field(default=0.2, ge=0, lt=1)
    request_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    batch_size: int = Field(default=100, ge=1, le=10_000)
    poll_interval_seconds: float = Field(default=5.0, gt=0, le=3600)
    # How long receivers may keep verifying with the previous secret after a rotation.
    rotation_overlap_hours: float = Field(default=24.0, ge=0, le=24 * 30)

    @model_validator(mode="after")
    def _cap_not_below_base(self) -> Self:
        if self.backoff_cap_seconds < self.backoff_base_seconds:
            raise ValueError(
                f"backoff_cap_seconds ({self.backoff_cap_seconds}) is below "
                f"backoff_base_seconds ({self.backoff_base_seconds})"
            )
        return self
