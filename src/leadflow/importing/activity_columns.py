"""Activities of a clean chunk written column by column: leads resolved, ids digested, copied.

The same rows `ActivityImport.apply` would write, with the same event ids (the digest is
built from JSON fragments of each property column instead of one `json.dumps` per row;
tests/importing/test_import_columns.py holds the two equal) and the same counts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from leadflow.importing import values
from leadflow.importing.activities import DIGEST_LENGTH, IDENTITIES, TABLE, ActivityImport
from leadflow.importing.activity_leads import RESOLVING_FIELDS, LeadResolver, NewLead, Resolved
from leadflow.importing.columnar import ColumnChunk
from leadflow.importing.fields import Problem
from leadflow.storage.bulk import insert_columns

_LEAD_KEYS = ("email", "lead_external_id", "lead_id")
_OPTIONAL = ("anonymous_id", "source", "medium", "campaign", "content", "term")
_UNSEEN = object()


def write_activity_columns(handler: ActivityImport, chunk: ColumnChunk) -> bool:
    """Resolve every row's lead, then insert the new leads and the chunk's activities;
    False, with nothing written, when a row's lead cannot be resolved."""
    resolved = _resolve(handler, chunk)
    if resolved is None:
        return False
    resolver, leads = resolved
    handler.insert_leads(resolver.created())
    lead_ids = [lead.id if lead.__class__ is NewLead else lead for lead in leads]  # type: ignore[union-attr]
    event_ids = event_id_column(chunk)
    keep = _first_of_each(event_ids)
    summary = handler.context.summary
    summary.duplicates += 0 if keep is None else chunk.size - len(keep)
    stored_properties = _objects(chunk, compact=False)
    columns = {
        "event_id": event_ids,
        "lead_id": lead_ids,
        "type": chunk.fields["type"],
        "occurred_at": chunk.fields["occurred_at"],
        "properties": stored_properties,
    }
    columns.update((name, chunk.fields[name]) for name in _OPTIONAL if name in chunk.fields)
    if keep is not None:
        columns = {name: [column[i] for i in keep] for name, column in columns.items()}
    summary.anonymous += columns["lead_id"].count(None)
    stored = insert_columns(
        handler.connection,
        TABLE,
        columns,
        constants={"received_at": handler.context.now},
        json_text=("properties",),
        ignore_conflicts=True,
    )
    summary.created += stored
    summary.duplicates += len(columns["event_id"]) - stored
    return True


def _resolve(
    handler: ActivityImport, chunk: ColumnChunk
) -> tuple[LeadResolver, list[Resolved]] | None:
    fields = chunk.fields
    keys = [key for key in _LEAD_KEYS if key in fields]
    resolver = LeadResolver(handler.known, {key: fields[key] for key in keys})
    if not keys:
        return resolver, [None] * chunk.size
    needed = [name for name in RESOLVING_FIELDS if name in fields]
    single = len(keys) == 1
    lead_keys: list[Any] = (
        fields[keys[0]] if single else list(zip(*(fields[k] for k in keys), strict=True))
    )
    memo: dict[Any, Resolved] = {}
    leads: list[Resolved] = []
    for index, key in enumerate(lead_keys):
        lead = memo.get(key, _UNSEEN)
        if lead is _UNSEEN:
            f = {name: fields[name][index] for name in needed}
            lead = resolver.resolve({name: value for name, value in f.items() if value is not None})
            if isinstance(lead, Problem):
                return None
            if _decided_by_key(keys, (key,) if single else key):
                memo[key] = lead
        leads.append(lead)  # type: ignore[arg-type]
    return resolver, leads


def _decided_by_key(names: list[str], key: tuple[Any, ...]) -> bool:
    """True when every row with these lead keys resolves alike: one key at most, and not an
    external id (which may name a lead a later row creates)."""
    given = [name for name, value in zip(names, key, strict=True) if value is not None]
    return len(given) <= 1 and "lead_external_id" not in given


def _first_of_each(event_ids: list[str]) -> list[int] | None:
    """The index of each event id's first row; None when every id is new to the chunk."""
    if len(set(event_ids)) == len(event_ids):
        return None
    first: dict[str, int] = {}
    for index, event_id in enumerate(event_ids):
        first.setdefault(event_id, index)
    return list(first.values())


def event_id_column(chunk: ColumnChunk) -> list[str]:
    """Each row's event id: the file's own, else the digest `event_digest` would give."""
    given = chunk.fields.get("event_id")
    if given is not None and None not in given:
        return given
    fields = chunk.fields
    who: list[str | None] = [None] * chunk.size
    for key in IDENTITIES:
        if key in fields:
            who = [
                known if known is not None or value is None else f"{key}:{value}"
                for known, value in zip(who, fields[key], strict=True)
            ]
    canonical = _objects(chunk, compact=True)
    sha256 = hashlib.sha256
    digests = [
        sha256(f"{w}\x1f{t}\x1f{o.isoformat()}\x1f{c}".encode()).hexdigest()[:DIGEST_LENGTH]
        for w, t, o, c in zip(who, fields["type"], fields["occurred_at"], canonical, strict=True)
    ]
    if given is None:
        return digests
    return [own or digest for own, digest in zip(given, digests, strict=True)]


def _objects(chunk: ColumnChunk, *, compact: bool) -> list[str]:
    """Each row's properties as JSON text: as `json.dumps` stores them (the file's column
    order), or compact with sorted keys as the digest reads them."""
    names = sorted(chunk.attributes) if compact else list(chunk.attributes)
    if not names:
        return ["{}"] * chunk.size
    parts = [
        _fragments(name, chunk.attribute_types[name], chunk.attributes[name], compact=compact)
        for name in names
    ]
    separator = "," if compact else ", "
    return ["{" + separator.join(filter(None, row)) + "}" for row in zip(*parts, strict=True)]


def _fragments(name: str, type_: str, cells: list[Any], *, compact: bool) -> list[str | None]:
    """`"name": value` of each present cell, as json.dumps writes it inside an object."""
    dumps: Callable[[Any], str] = (
        (lambda value: json.dumps(value, ensure_ascii=False)) if compact else json.dumps
    )
    key = dumps(name) + (":" if compact else ": ")
    if type_ == values.NUMBER:
        # json.dumps writes ints and (finite) floats as their repr.
        return [None if value is None else key + repr(value) for value in cells]
    texts = {value: key + dumps(value) for value in dict.fromkeys(cells) if value is not None}
    return [None if value is None else texts[value] for value in cells]
