"""The `[web]` settings: dashboard sessions and how hard password guessing is made."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class WebConfig(BaseModel):
    """Dashboard sessions and login limits; `[web]` in leadflow.toml or LEADFLOW_WEB as JSON."""

    model_config = ConfigDict(extra="forbid")

    # A session unused this long ends; using it (any page) starts the wait again.
    session_idle_minutes: int = Field(default=30, ge=1, le=7 * 24 * 60)
    # A session ends this long after its login, however busy.
    session_max_hours: int = Field(default=12, ge=1, le=24 * 30)
    # Send the session cookie only over HTTPS; turn on whenever the dashboard is behind TLS.
    secure_cookies: bool = False
    # Failed logins within the window that lock an e-mail address, and a client address.
    login_failures_per_account: int = Field(default=5, ge=1, le=1_000)
    login_failures_per_client: int = Field(default=20, ge=1, le=100_000)
    login_failure_window_minutes: int = Field(default=15, ge=1, le=24 * 60)
