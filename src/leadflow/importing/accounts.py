"""Importing accounts: matched by domain or external id, created for new corporate domains."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table

from leadflow.accounts.models import ACCOUNT_FIELDS, Account
from leadflow.importing.context import ImportContext
from leadflow.importing.fields import (
    EntitySpec,
    KnownField,
    ParsedRow,
    Requirement,
    column_length,
    text_fields,
)
from leadflow.importing.report import ImportSummary
from leadflow.importing.upsert import Matcher, rows_where_in
from leadflow.storage.bulk import insert_rows

TABLE = cast(Table, Account.__table__)
_TEXT = tuple(
    name for name in ACCOUNT_FIELDS if name not in ("domain", "employees", "annual_revenue")
)

ACCOUNT_SPEC = EntitySpec(
    kind="accounts",
    entity="account",
    fields={
        "domain": KnownField("domain", column_length(TABLE, "domain")),
        **text_fields(TABLE, _TEXT),
        "employees": KnownField("integer"),
        "annual_revenue": KnownField("number"),
    },
    reserved={
        "id": "ids are assigned by leadflow; accounts match by domain or external_id",
        "account_id": "ids are assigned by leadflow; accounts match by domain or external_id",
        "owner": "account owners are set in leadflow, not by an import",
        "owner_id": "account owners are set in leadflow, not by an import",
        "created_at": "set by leadflow",
        "updated_at": "set by leadflow",
        "attributes": "every other column becomes an attribute by itself",
    },
    requirements=(
        Requirement(("domain", "external_id"), "an account needs a domain or an external_id"),
    ),
)
WRITTEN = (*ACCOUNT_FIELDS, "attributes")


def ensure_accounts(
    *,
    connection: Connection,
    names: Mapping[str, str | None],
    now: datetime,
    summary: ImportSummary,
) -> dict[str, int]:
    """The account id of each domain, creating missing accounts named as given (or by domain)."""
    found = rows_where_in(connection, TABLE, "domain", names, ("id", "domain"))
    ids = {row["domain"]: row["id"] for row in found}
    missing = [domain for domain in names if domain not in ids]
    if not missing:
        return ids
    rows: list[dict[str, Any]] = [
        {
            **dict.fromkeys(WRITTEN),
            "domain": domain,
            "name": names[domain] or domain,
            "attributes": {},
            "created_at": now,
            "updated_at": now,
        }
        for domain in missing
    ]
    # Another import may create the same domain at the same time: theirs wins, we link to it.
    summary.accounts_created += insert_rows(connection, TABLE, rows, ignore_conflicts=True)
    for row in rows_where_in(connection, TABLE, "domain", missing, ("id", "domain")):
        ids[row["domain"]] = row["id"]
    return ids


class AccountImport:
    """Upserts accounts chunk by chunk."""

    spec = ACCOUNT_SPEC

    def __init__(self, *, connection: Connection, context: ImportContext) -> None:
        self._context = context
        self._matcher = Matcher(
            connection=connection,
            table=TABLE,
            keys=("domain", "external_id"),
            columns=WRITTEN,
            noun="account",
        )

    def apply(self, rows: list[ParsedRow], *, write: bool) -> None:
        """Match and merge the chunk's rows; write them when `write`."""
        records = self._matcher.match(rows, self._context.summary)
        if write:
            now = self._context.now
            self._matcher.write(
                records, defaults={"attributes": {}, "created_at": now, "updated_at": now}
            )
