"""`leadflow audit`: who changed scoring models, API keys, webhooks and users, and when."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated

import typer

from leadflow.audit import service as audit
from leadflow.cli.options import DbOption, FormatOption, OutputFormat, engine_for
from leadflow.cli.output import print_rows
from leadflow.errors import InvalidInputError
from leadflow.storage.database import session_factory
from leadflow.storage.times import in_utc

TABLE_COLUMNS = ("at", "actor", "action", "subject", "details")


def _since(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return in_utc(datetime.fromisoformat(text.strip()))
    except ValueError as exc:
        raise InvalidInputError(f"--since {text!r}: {exc}; use ISO 8601, e.g. 2026-03-01") from None


def audit_command(
    since: Annotated[
        str | None, typer.Option(help="Changes at or after this time (ISO 8601; no zone: UTC).")
    ] = None,
    actor: Annotated[
        str | None, typer.Option(help="Changes by actors whose name contains this text.")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many entries.")] = 1_000,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """List the audit log, oldest first: models recorded or activated, keys created or
    revoked, webhooks changed or replayed, users created or changed. Stage changes are in
    each lead's history (`leadflow leads history`).

    Example: leadflow audit --since 2026-03-01 --actor ana@acme.com --format json
    """
    if not 1 <= limit <= audit.MAX_LISTED:
        raise InvalidInputError(f"--limit: between 1 and {audit.MAX_LISTED}, got {limit}")
    with session_factory(engine_for(db))() as session:
        entries = audit.list_entries(session=session, since=_since(since), actor=actor, limit=limit)
    print_rows(
        [asdict(entry) for entry in entries], fmt, title="Audit log", table_columns=TABLE_COLUMNS
    )
