"""The users table: reps with territory, capacity and availability, and everyone else."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from leadflow.storage.base import Base, BigId, JsonDocument, UTCDateTime, utcnow


class Role(StrEnum):
    """What a user may do; enforced on every route and command that acts for them."""

    ADMIN = "admin"
    MARKETING = "marketing"
    MANAGER = "manager"
    SALES = "sales"


class User(Base):
    """A person: a sales rep receives leads; a manager receives escalations."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default=Role.SALES)
    team: Mapped[str | None] = mapped_column(String(100), index=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Which leads this rep covers, e.g. {"region": ["EMEA"], "segment": ["mid-market"]}.
    territory: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    # Most open MQLs the rep takes at once; None means no limit.
    capacity: Mapped[int | None]
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    out_of_office_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Argon2id hash (PHC string) of the dashboard password; None: the user cannot log in.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiKey(Base):
    """A key a program uses to act as a user over HTTP; only a hash of its secret is kept."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # The public part of the key (`lf_` and 8 characters): shown in listings, used for lookup.
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    # SHA-256 of the secret part, hex; keys are 256-bit random tokens, so a fast hash is enough.
    secret_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginFailure(Base):
    """A failed dashboard login, kept for a while to slow down password guessing."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_email_failed_at", "email", "failed_at"),
        Index("ix_login_failures_client_failed_at", "client", "failed_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # The e-mail as typed (normalised), whether or not such a user exists.
    email: Mapped[str] = mapped_column(String(320))
    # The client's address as the server saw it.
    client: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
