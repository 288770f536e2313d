"""Importing leads: matched by e-mail or external id, linked to their account by domain."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Connection, Table

from leadflow.importing.accounts import ensure_accounts
from leadflow.importing.context import ImportContext
from leadflow.importing.fields import (
    EntitySpec,
    KnownField,
    ParsedRow,
    Requirement,
    column_length,
    text_fields,
)
from leadflow.importing.upsert import Matcher
from leadflow.leads.identity import email_domain
from leadflow.leads.models import LEAD_FIELDS, Lead

TABLE = cast(Table, Lead.__table__)
_TEXT = tuple(name for name in LEAD_FIELDS if name not in ("email", "created_at"))
_LIFECYCLE = "stage changes go through the lifecycle, not an import"
_ROUTING = "leads are assigned to owners by routing, not by an import"
_SCORING = "scores are computed by the scoring model"
_COMPUTED = "computed from the e-mail address"
_IDS = "ids are assigned by leadflow; leads match by email or external_id"

LEAD_SPEC = EntitySpec(
    kind="leads",
    entity="lead",
    fields={
        "email": KnownField("email", column_length(TABLE, "email")),
        **text_fields(TABLE, _TEXT),
        "created_at": KnownField("datetime"),
    },
    reserved={
        "id": _IDS,
        "lead_id": _IDS,
        "stage": _LIFECYCLE,
        "lifecycle_stage": _LIFECYCLE,
        "cycle": _LIFECYCLE,
        "stage_changed_at": _LIFECYCLE,
        "mql": _LIFECYCLE,
        "owner": _ROUTING,
        "owner_id": _ROUTING,
        "score": _SCORING,
        "fit_score": _SCORING,
        "engagement_score": _SCORING,
        "grade": _SCORING,
        "account_id": "leads link to their account by e-mail domain",
        "email_domain": _COMPUTED,
        "is_free_email": _COMPUTED,
        "is_disposable_email": _COMPUTED,
        "updated_at": "set by leadflow",
        "attributes": "every other column becomes an attribute by itself",
    },
    requirements=(
        Requirement(("email", "external_id"), "a lead needs an email or an external_id"),
    ),
)
WRITTEN = (
    *LEAD_FIELDS,
    "email_domain",
    "is_free_email",
    "is_disposable_email",
    "account_id",
    "attributes",
)


def new_lead_defaults(context: ImportContext) -> dict[str, Any]:
    """Column values of a lead this import creates, for what its rows do not set."""
    now = context.now
    return {
        "stage": "lead",
        "cycle": 1,
        "is_free_email": False,
        "is_disposable_email": False,
        "attributes": {},
        "created_at": now,
        "stage_changed_at": now,
        "updated_at": now,
    }


def complete_leads(
    *, connection: Connection, leads: Sequence[dict[str, Any]], context: ImportContext
) -> list[bool]:
    """Set what the e-mail says (domain, free, disposable, account) on each lead; for each,
    whether its account link changed. Only leads without an account, or whose e-mail domain
    changed, are (re)linked, so an account chosen by hand stays."""
    rules = context.rules
    relink: list[str | None] = []
    for lead in leads:
        email = lead.get("email")
        domain = email_domain(email) if email else None
        moved = domain != lead.get("email_domain")
        lead["email_domain"] = domain
        lead["is_free_email"] = bool(domain and rules.is_free_mail(domain))
        lead["is_disposable_email"] = bool(domain and rules.is_disposable(domain))
        account_domain = rules.account_domain(email)
        wants = account_domain if (moved or lead.get("account_id") is None) else None
        relink.append(wants)
    names: dict[str, str | None] = {}
    for lead, domain in zip(leads, relink, strict=True):
        if domain is not None:
            names.setdefault(domain, lead.get("company"))
    ids = ensure_accounts(
        connection=connection, names=names, now=context.now, summary=context.summary
    )
    changed = []
    for lead, domain in zip(leads, relink, strict=True):
        account_id = ids[domain] if domain is not None else lead.get("account_id")
        changed.append(account_id != lead.get("account_id"))
        lead["account_id"] = account_id
    return changed


class LeadImport:
    """Upserts leads chunk by chunk."""

    spec = LEAD_SPEC

    def __init__(self, *, connection: Connection, context: ImportContext) -> None:
        self._connection = connection
        self._context = context
        self._matcher = Matcher(
            connection=connection,
            table=TABLE,
            keys=("email", "external_id"),
            columns=WRITTEN,
            noun="lead",
        )

    def apply(self, rows: list[ParsedRow], *, write: bool) -> None:
        """Match and merge the chunk's rows; write them when `write`."""
        records = self._matcher.match(rows, self._context.summary)
        if not write:
            return
        for record in records:
            if record.is_new and "created_at" in record.values:
                record.values["stage_changed_at"] = record.values["created_at"]
        relinked = complete_leads(
            connection=self._connection,
            leads=[record.values for record in records],
            context=self._context,
        )
        for record, changed in zip(records, relinked, strict=True):
            record.dirty = record.dirty or changed
        self._matcher.write(records, defaults=new_lead_defaults(self._context))
