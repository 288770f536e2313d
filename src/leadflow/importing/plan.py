"""The column plan of one import: which column feeds which field or attribute, of what type."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import tzinfo

from leadflow.errors import InvalidInputError
from leadflow.importing import values
from leadflow.importing.fields import EntitySpec, ParsedRow, Problem, column_key, known_parser
from leadflow.importing.readers import REJECT_COLUMNS, SourceRow


@dataclass(frozen=True)
class ColumnRules:
    """What the user said about columns: --map COLUMN=FIELD, --type COLUMN=TYPE, --ignore."""

    mappings: Mapping[str, str] = field(default_factory=dict)
    types: Mapping[str, str] = field(default_factory=dict)
    ignore: frozenset[str] = frozenset()


@dataclass(slots=True)
class Column:
    """One column of the file: the field or attribute it feeds and how its cells are read."""

    source: str
    name: str
    is_attribute: bool
    type: str | None = None  # an attribute's type; None until the column has a value
    origin: str = ""  # where the type came from: recorded, flag or inferred
    recorded: bool = False
    parse: values.Parser | None = None


class ColumnPlan:
    """Columns of one file, mapped and typed; parses each row into fields and attributes."""

    def __init__(
        self,
        *,
        spec: EntitySpec,
        rules: ColumnRules,
        recorded: Mapping[str, str],
        zone: tzinfo,
        file_label: str,
    ) -> None:
        self.spec = spec
        self._rules = rules
        self._recorded = recorded
        self._zone = zone
        self._file = file_label
        self._mappings = {column_key(k): column_key(v) for k, v in rules.mappings.items()}
        self._types = {column_key(k): v for k, v in rules.types.items()}
        self._ignore = {column_key(k) for k in rules.ignore}
        self._columns: dict[str, Column | None] = {}
        self._sources: dict[str, str] = {}  # field or attribute name -> the column feeding it
        self._check_flags()

    def _check_flags(self) -> None:
        known = ", ".join(self.spec.fields)
        for source, target in self._rules.mappings.items():
            if column_key(target) not in self.spec.fields:
                raise InvalidInputError(
                    f"--map {source}={target}: {target!r} is not a {self.spec.entity} field;"
                    f" known fields: {known}"
                )
        for source, type_ in self._rules.types.items():
            if type_ not in values.TYPES:
                raise InvalidInputError(
                    f"--type {source}={type_}: unknown type; use one of {', '.join(values.TYPES)}"
                )
            key = column_key(source)
            if key in self.spec.fields or key in self._mappings:
                raise InvalidInputError(
                    f"--type {source}={type_}: {source!r} is a known field with a fixed type"
                )

    def check_header(self, columns: Iterable[str]) -> None:
        """Every flag names a column of the file, and the file has the columns it needs."""
        columns = list(columns)
        seen: set[str] = set()
        for column in columns:
            ignored = column_key(column) in self._ignore or column.lower() in REJECT_COLUMNS
            if column in seen and not ignored:
                raise InvalidInputError(
                    f"{self._file}: two columns are named {column!r}; rename or remove one"
                )
            seen.add(column)
        present = {column_key(column) for column in columns}
        flags = [("--map", k) for k in self._rules.mappings]
        flags += [("--type", k) for k in self._rules.types]
        flags += [("--ignore", k) for k in self._rules.ignore]
        for flag, source in flags:
            if column_key(source) not in present:
                raise InvalidInputError(f"{flag} {source}: {self._file} has no column {source!r}")
        for requirement in self.spec.requirements:
            if not any(name in self._sources for name in requirement.fields):
                names = " or ".join(requirement.fields)
                raise InvalidInputError(
                    f"{self._file}: no column {names}; {requirement.why}"
                    f" (use --map COLUMN={requirement.fields[0]} for a column named otherwise)"
                )

    def add(self, sources: Iterable[str]) -> None:
        """Plan the columns not seen before (JSON Lines reveal theirs as they go)."""
        for source in sources:
            if source not in self._columns:
                self._columns[source] = self._plan(source)

    def _plan(self, source: str) -> Column | None:
        key = column_key(source)
        if source.strip().lower() in REJECT_COLUMNS or key in self._ignore:
            return None
        if not key:
            raise InvalidInputError(f"{self._file}: a column has no name; name it or remove it")
        target = self._mappings.get(key) or (key if key in self.spec.fields else None)
        if target is None and key in self.spec.reserved:
            raise InvalidInputError(
                f"{self._file}: column {source!r} cannot be imported: {self.spec.reserved[key]};"
                f" remove it or pass --ignore {source!r}"
            )
        name = target or key
        if name in self._sources:
            raise InvalidInputError(
                f"{self._file}: columns {self._sources[name]!r} and {source!r} both set {name!r};"
                f" keep one (--ignore COLUMN)"
            )
        self._sources[name] = source
        if target is not None:
            parse = known_parser(self.spec.fields[target], self._zone)
            return Column(source, target, is_attribute=False, parse=parse)
        column = Column(source, key, is_attribute=True)
        flagged, recorded = self._types.get(key), self._recorded.get(key)
        if flagged and recorded and flagged != recorded:
            raise InvalidInputError(
                f"--type {source}={flagged}: attribute {key!r} is recorded as {recorded}"
                f" by an earlier import; its type cannot change"
            )
        if recorded:
            self._set_type(column, recorded, "recorded")
            column.recorded = True
        elif flagged:
            self._set_type(column, flagged, "flag")
        return column

    def _set_type(self, column: Column, type_: str, origin: str) -> None:
        column.type, column.origin = type_, origin
        column.parse = values.json_parser(type_, self._zone)

    def infer(self, rows: list[SourceRow]) -> None:
        """Give each untyped attribute column the type that fits its values in these rows."""
        for column in self.untyped():
            self.infer_column(
                column, [row.values.get(column.source) for row in rows if row.problem is None]
            )

    def untyped(self) -> list[Column]:
        """The attribute columns that have no type yet (no value seen so far)."""
        return [
            column
            for column in self._columns.values()
            if column is not None and column.is_attribute and column.type is None
        ]

    def infer_column(self, column: Column, sample: Iterable[object]) -> None:
        """Type an untyped column by the values of one chunk, when it has any."""
        present = [value for value in sample if not values.is_missing(value)]
        if present:
            self._set_type(column, values.infer_type(present), "inferred")

    def planned(self) -> dict[str, Column]:
        """The columns that feed a field or an attribute, by the file's column name."""
        return {source: column for source, column in self._columns.items() if column}

    def unrecorded(self) -> list[Column]:
        """Typed attribute columns whose type is not yet in attribute_definitions."""
        return [
            column
            for column in self._columns.values()
            if column is not None
            and column.is_attribute
            and column.type is not None
            and not column.recorded
        ]

    def parse(self, row: SourceRow) -> ParsedRow:
        """Typed fields and attributes of one row, with a problem for every bad cell."""
        parsed = ParsedRow(row.number, row.values)
        if row.problem is not None:
            parsed.problems.append(Problem(None, None, row.problem))
            return parsed
        fields, attributes, failed = parsed.fields, parsed.attributes, set()
        columns = self._columns
        # The hot loop of every import: plain checks before the general missing-value test.
        for source, value in row.values.items():
            column = columns.get(source)
            if column is None or column.parse is None or value is None or value == "":
                continue
            if value.__class__ is str:
                if value.isspace():
                    continue
            elif values.is_missing(value):
                continue
            try:
                result = column.parse(value)
            except ValueError as exc:
                parsed.problems.append(Problem(source, value, self._reason(column, str(exc))))
                failed.add(column.name)
                continue
            if column.is_attribute:
                attributes[column.name] = result
            else:
                fields[column.name] = result
        for requirement in self.spec.requirements:
            for name in requirement.fields:
                if name in fields or name in failed:
                    break
            else:
                parsed.problems.append(Problem(None, None, requirement.why))
        return parsed

    def _reason(self, column: Column, message: str) -> str:
        if column.origin == "recorded":
            return f"{message}; {column.name!r} was recorded as {column.type} by an earlier import"
        if column.origin == "inferred":
            return (
                f"{message}; the column was inferred as {column.type} from the first rows"
                f" (pass --type {column.source}=text to keep any value)"
            )
        if column.origin == "flag":
            return f"{message} (--type {column.source}={column.type})"
        return message
