"""The accounts table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from leadflow.storage.base import Base, BigId, JsonDocument, UTCDateTime, utcnow

# Columns an import can set by name; every other column becomes a custom attribute.
ACCOUNT_FIELDS = (
    "domain",
    "external_id",
    "name",
    "industry",
    "employees",
    "annual_revenue",
    "country",
    "region",
    "segment",
)


class Account(Base):
    """A company; leads link to it by their e-mail domain."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    domain: Mapped[str | None] = mapped_column(String(255), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    name: Mapped[str | None] = mapped_column(String(255))
    industry: Mapped[str | None] = mapped_column(String(100))
    employees: Mapped[int | None]
    annual_revenue: Mapped[float | None] = mapped_column(Float)
    country: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    segment: Mapped[str | None] = mapped_column(String(100))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
