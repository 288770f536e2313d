"""Records sent to the service, read by the importer's column plan: the same field names,
types, length limits and reasons as a row of an import file.

A record is a mapping of known fields (an import's column names) plus one nested mapping of
custom values (`properties` of an event, `attributes` of a lead). Custom names are
normalised as import columns are (`Plan Name` is `plan_name`) and typed the same way: by the
type an earlier import or request fixed, else inferred from the values sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import tzinfo
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from leadflow.config import Settings
from leadflow.importing.fields import EntitySpec, ParsedRow, column_key
from leadflow.importing.plan import ColumnPlan, ColumnRules
from leadflow.importing.readers import REJECT_COLUMNS, SourceRow
from leadflow.importing.service import recorded_types
from leadflow.ingest.errors import RecordProblem
from leadflow.leads.identity import DomainRules

REQUEST_LABEL = "request"


def domain_rules(settings: Settings) -> DomainRules:
    """The free-mail and disposable domain lists the settings extend."""
    return _domain_rules(
        tuple(settings.extra_free_mail_domains), tuple(settings.extra_disposable_domains)
    )


@cache
def _domain_rules(
    extra_free_mail: tuple[str, ...], extra_disposable: tuple[str, ...]
) -> DomainRules:
    # Building the packaged lists costs about a millisecond: once per process, not per request.
    return DomainRules.default(extra_free_mail, extra_disposable)


def request_plan(connection: Connection, spec: EntitySpec, zone: tzinfo) -> ColumnPlan:
    """A column plan for records of `spec`, knowing the attribute types already fixed."""
    return ColumnPlan(
        spec=spec,
        rules=ColumnRules(),
        recorded=recorded_types(connection, spec.entity),
        zone=zone,
        file_label=REQUEST_LABEL,
    )


def settings_zone(settings: Settings) -> tzinfo:
    """The zone times without an offset are read in."""
    return ZoneInfo(settings.time_zone)


class RecordReader:
    """Parses records of one kind with a column plan; problems named by index and field."""

    def __init__(self, plan: ColumnPlan, nested: str, *, required: bool = True) -> None:
        self.plan = plan
        self.nested = nested
        self.required = required
        spec = plan.spec
        self._known = ", ".join([*spec.fields, nested])
        # A requirement the plan reports without a column is named by its first field.
        self._requirements = {r.why: r.fields[0] for r in spec.requirements}

    def parse(
        self, records: Sequence[Mapping[str, Any]]
    ) -> tuple[list[ParsedRow], list[RecordProblem]]:
        """Every record as a parsed row, and every problem of every record."""
        problems: list[RecordProblem] = []
        sources: list[SourceRow] = []
        paths: list[dict[str, str]] = []
        for index, record in enumerate(records):
            values, path = self._source_values(index, record, problems)
            sources.append(SourceRow(index, values))
            paths.append(path)
        self.plan.add(dict.fromkeys(key for row in sources for key in row.values))
        self.plan.infer(sources)
        rows = [self.plan.parse(row) for row in sources]
        for row, path in zip(rows, paths, strict=True):
            kept = []
            for problem in row.problems:
                if problem.column is None and problem.reason in self._requirements:
                    if not self.required:
                        continue
                    field = self._requirements[problem.reason]
                else:
                    field = path.get(problem.column or "", problem.column or self.nested)
                problems.append(RecordProblem(row.number, field, problem.reason))
                kept.append(problem)
            row.problems[:] = kept
        problems.sort(key=lambda problem: problem.index)  # stable: by record, then as found
        return rows, problems

    def _source_values(
        self, index: int, record: Mapping[str, Any], problems: list[RecordProblem]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """The record flattened into plan columns, and each column's path in the record."""
        spec = self.plan.spec
        values: dict[str, Any] = {}
        path: dict[str, str] = {}
        for name, value in record.items():
            if name == self.nested:
                continue
            if name in spec.fields:
                values[name] = value
                path[name] = name
            elif name in spec.reserved:
                problems.append(RecordProblem(index, name, spec.reserved[name]))
            else:
                reason = f"unknown field; known fields: {self._known}"
                problems.append(RecordProblem(index, name, reason))
        custom = record.get(self.nested) or {}
        if not isinstance(custom, Mapping):
            problems.append(RecordProblem(index, self.nested, "expected an object of values"))
            return values, path
        for name, value in custom.items():
            where = f"{self.nested}.{name}"
            key = column_key(str(name))
            bad = self._bad_custom_name(str(name), key)
            if bad is None and key in path:
                bad = f"{path[key]!r} sets {key!r} already; send one of them"
            if bad is not None:
                problems.append(RecordProblem(index, where, bad))
                continue
            values[key] = value
            path[key] = where
        return values, path

    def _bad_custom_name(self, name: str, key: str) -> str | None:
        spec = self.plan.spec
        if not key:
            return "a name needs a letter or digit"
        if key in spec.fields:
            return f"{key!r} is a field of the {spec.entity}; send it outside {self.nested}"
        if key in spec.reserved or name.strip().lower() in REJECT_COLUMNS:
            return f"{key!r} is a reserved name; choose another"
        return None
