"""Rows matched to stored records by either of two keys, merged in, and written back."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select, update

from leadflow.importing.fields import ParsedRow, Problem
from leadflow.importing.report import ImportSummary
from leadflow.storage.bulk import insert_rows

LOOKUP_BATCH = 1_000


def rows_where_in(
    connection: Connection, table: Table, key: str, keys: Iterable[Any], columns: Sequence[str]
) -> list[dict[str, Any]]:
    """Stored rows (these columns) whose `key` is one of `keys`, looked up in batches."""
    wanted = [value for value in set(keys) if value is not None]
    selected = [table.c[name] for name in columns]
    found: list[dict[str, Any]] = []
    for start in range(0, len(wanted), LOOKUP_BATCH):
        batch = wanted[start : start + LOOKUP_BATCH]
        result = connection.execute(select(*selected).where(table.c[key].in_(batch)))
        found.extend(dict(row._mapping) for row in result)
    return found


@dataclass(eq=False)
class Record:
    """A stored record (with its id) or one this import creates, as column values."""

    values: dict[str, Any]
    is_new: bool = False
    dirty: bool = False


class Matcher:
    """Finds the record each row updates (by either key) or starts a new one, per chunk."""

    def __init__(
        self,
        *,
        connection: Connection,
        table: Table,
        keys: tuple[str, str],
        columns: tuple[str, ...],
        noun: str,
    ) -> None:
        self.connection = connection
        self.table = table
        self.keys = keys
        self.columns = columns  # what an import writes on insert and update
        self.noun = noun

    def match(self, rows: list[ParsedRow], summary: ImportSummary) -> list[Record]:
        """Merge the good rows into records; a row whose keys name two records gets a problem."""
        index: dict[str, dict[Any, Record]] = {key: {} for key in self.keys}
        for key in self.keys:
            wanted = (row.fields.get(key) for row in rows)
            for values in rows_where_in(
                self.connection, self.table, key, wanted, ("id", *self.columns)
            ):
                record = self._stored(values, index)
                for name in self.keys:
                    if values[name] is not None:
                        index[name][values[name]] = record
        touched: dict[int, Record] = {}
        for row in rows:
            if row.problems:
                continue
            found = [index[k].get(row.fields[k]) for k in self.keys if k in row.fields]
            hits = [record for record in found if record is not None]
            if len(hits) == 2 and hits[0] is not hits[1]:
                first, second = self.keys
                row.problems.append(
                    Problem(
                        second,
                        row.fields[second],
                        f"{first} {row.fields[first]!r} and {second} {row.fields[second]!r}"
                        f" belong to two different {self.noun}s",
                    )
                )
                continue
            if hits:
                record = hits[0]
                changed = _merge(record, row)
                record.dirty = record.dirty or changed
                if changed:
                    summary.updated += 1
                else:
                    summary.unchanged += 1
            else:
                record = Record({"attributes": {}}, is_new=True)
                _merge(record, row)
                summary.created += 1
            for key in self.keys:
                if record.values.get(key) is not None:
                    index[key][record.values[key]] = record
            touched[id(record)] = record
        return list(touched.values())

    def _stored(self, values: dict[str, Any], index: dict[str, dict[Any, Record]]) -> Record:
        for key in self.keys:
            if values[key] is not None and values[key] in index[key]:
                return index[key][values[key]]
        values["attributes"] = dict(values["attributes"] or {})
        return Record(values)

    def write(self, records: list[Record], *, defaults: dict[str, Any]) -> None:
        """Insert the new records (unset columns from `defaults`), update the changed ones."""
        names = list(dict.fromkeys([*self.columns, *defaults]))
        inserts = []
        for record in records:
            if record.is_new:
                values = record.values
                row = dict.fromkeys(self.columns) | defaults
                row.update((name, values[name]) for name in names if values.get(name) is not None)
                inserts.append(row)
        insert_rows(self.connection, self.table, inserts)
        stamp = {"updated_at": defaults["updated_at"]}
        updates = [
            {
                "b_id": record.values["id"],
                **{c: record.values.get(c) for c in self.columns},
                **stamp,
            }
            for record in records
            if record.dirty and not record.is_new
        ]
        if updates:
            statement = update(self.table).where(self.table.c.id == bindparam("b_id"))
            self.connection.execute(statement, updates)


def _merge(record: Record, row: ParsedRow) -> bool:
    """Set the row's fields and attributes on the record; True when anything changed."""
    values = record.values
    changed = False
    for name, value in row.fields.items():
        if values.get(name) != value:
            values[name] = value
            changed = True
    attributes = values["attributes"]
    for name, value in row.attributes.items():
        if attributes.get(name) != value:
            attributes[name] = value
            changed = True
    return changed
