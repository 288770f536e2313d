"""The audit log table: one row per change to models, keys, webhooks or users."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from leadflow.storage.base import Base, BigId, JsonDocument, UTCDateTime, utcnow


class AuditEntry(Base):
    """A change and its author, written in the transaction that made the change.

    Stage changes are not repeated here: the stage history already keeps them with their
    actor and reason (`leadflow leads history`)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # user (a person at the CLI), api_key (a user through a key) or system.
    actor_type: Mapped[str] = mapped_column(String(20))
    # Who, in words: an e-mail with the key prefix, or the operating-system user at the CLI.
    actor: Mapped[str] = mapped_column(String(400))
    # What was done, as noun.verb: model.recorded, key.revoked, webhook.deleted, user.created...
    action: Mapped[str] = mapped_column(String(64))
    # What it was done to: a model version, a key prefix, a subscription id, a user's e-mail.
    subject: Mapped[str] = mapped_column(String(400))
    # What changed (never a secret): the fields given, the role before and after.
    details: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
