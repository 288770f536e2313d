"""Writing and reading the audit log; callers pass the session of the change they audit."""

from __future__ import annotations

import getpass
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.audit.models import AuditEntry
from leadflow.storage.search import contains_text

# The most entries one listing returns: the log only grows; narrow it with since/actor.
MAX_LISTED = 10_000


@dataclass(frozen=True)
class Auditor:
    """Who a change is written down for."""

    type: str
    name: str

    @classmethod
    def of_key(cls, *, email: str, prefix: str) -> Auditor:
        """A user acting through the API key with this prefix."""
        return cls("api_key", f"{email} via {prefix}")

    @classmethod
    def at_the_command_line(cls) -> Auditor:
        """The operating-system user running `leadflow`: the CLI has no login of its own."""
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = "unknown"
        return cls("user", f"cli:{name}")


@dataclass(frozen=True)
class AuditRecord:
    """One entry as listings show it."""

    id: int
    at: datetime
    actor_type: str
    actor: str
    action: str
    subject: str
    details: dict[str, Any]


def record(
    *,
    session: Session,
    auditor: Auditor | None,
    action: str,
    subject: str,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Write an entry in the session's transaction: it is kept exactly when the change is.
    No auditor (a test, an internal step): nothing is written."""
    if auditor is None:
        return
    session.add(
        AuditEntry(
            actor_type=auditor.type,
            actor=auditor.name[:400],
            action=action,
            subject=subject[:400],
            details=dict(details or {}),
        )
    )
    session.flush()


def list_entries(
    *,
    session: Session,
    since: datetime | None = None,
    actor: str | None = None,
    limit: int = MAX_LISTED,
) -> Sequence[AuditRecord]:
    """Entries oldest first, from `since` on, of actors whose name contains `actor`."""
    statement = select(AuditEntry).order_by(AuditEntry.at, AuditEntry.id).limit(limit)
    if since is not None:
        statement = statement.where(AuditEntry.at >= since)
    if actor:
        statement = statement.where(contains_text(AuditEntry.actor, actor))
    return [
        AuditRecord(
            id=entry.id,
            at=entry.at,
            actor_type=entry.actor_type,
            actor=entry.actor,
            action=entry.action,
            subject=entry.subject,
            details=dict(entry.details or {}),
        )
        for entry in session.scalars(statement)
    ]
