"""The leads table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from leadflow.storage.base import Base, BigId, JsonDocument, UTCDateTime, utcnow

# Columns an import can set by name; every other column becomes a custom attribute.
LEAD_FIELDS = (
    "email",
    "external_id",
    "first_name",
    "last_name",
    "title",
    "seniority",
    "department",
    "persona",
    "company",
    "phone",
    "country",
    "region",
    "city",
    "source",
    "medium",
    "campaign",
    "created_at",
)


class Lead(Base):
    """A person marketing knows, identified by normalised e-mail or an external id."""

    __tablename__ = "leads"
    __table_args__ = (Index("ix_leads_stage_owner", "stage", "owner_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    email_domain: Mapped[str | None] = mapped_column(String(255), index=True)
    is_free_email: Mapped[bool] = mapped_column(default=False)
    is_disposable_email: Mapped[bool] = mapped_column(default=False)
    first_name: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    seniority: Mapped[str | None] = mapped_column(String(50))
    department: Mapped[str | None] = mapped_column(String(100))
    persona: Mapped[str | None] = mapped_column(String(100))
    company: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(50))
    country: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(100))
    # How the lead first came in: the acquisition touch.
    source: Mapped[str | None] = mapped_column(String(100), index=True)
    medium: Mapped[str | None] = mapped_column(String(100))
    campaign: Mapped[str | None] = mapped_column(String(200))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    stage: Mapped[str] = mapped_column(String(32), default="lead")
    # A recycled lead that qualifies again starts a new cycle.
    cycle: Mapped[int] = mapped_column(default=1)
    stage_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attributes: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AttributeDefinition(Base):
    """The inferred type of a custom attribute, fixed by the first import that saw it."""

    __tablename__ = "attribute_definitions"
    __table_args__ = (Index("uq_attribute_definitions_entity_name", "entity", "name", unique=True),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entity: Mapped[str] = mapped_column(String(20))  # lead, account or activity
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(20))  # number, boolean, datetime or text
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
