"""What an import tells: its counts, the bad rows it found, and the reject file it writes."""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from leadflow.errors import InvalidInputError
from leadflow.importing.fields import ParsedRow, Problem

SHOWN_ERRORS = 20
_VALUE_WIDTH = 60


class ImportFailed(InvalidInputError):
    """A file had bad rows, so nothing of it was written; the message lists them."""

    def __init__(self, message: str, *, bad_rows: int) -> None:
        super().__init__(message)
        self.bad_rows = bad_rows


@dataclass
class ImportSummary:
    """The counts of one import; which apply depends on the kind of record."""

    kind: str
    file: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    anonymous: int = 0
    leads_created: int = 0
    accounts_created: int = 0
    rejected: int = 0
    reject_file: str | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """The counts as plain JSON-ready values, with the speed in rows per second."""
        result = asdict(self)
        result["seconds"] = round(self.seconds, 3)
        result["rows_per_s"] = round(self.rows / self.seconds) if self.seconds else None
        return result


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if len(text) > _VALUE_WIDTH:
        text = text[: _VALUE_WIDTH - 3] + "..."
    return repr(text)


def describe(problems: list[Problem]) -> str:
    """The problems of one row in one line: column, value, why."""
    parts = []
    for problem in problems:
        where = f"column {problem.column}: " if problem.column is not None else ""
        value = f"value {_shown(problem.value)}: " if problem.value is not None else ""
        parts.append(f"{where}{value}{problem.reason}")
    return "; ".join(parts)


class ErrorLog:
    """The bad rows of an import: the first few in full, the rest counted."""

    def __init__(self, *, file_label: str, unit: str) -> None:
        self._file = file_label
        self._unit = unit
        self.shown: list[str] = []
        self.count = 0

    def add(self, row: ParsedRow) -> None:
        """Remember one bad row."""
        self.count += 1
        if len(self.shown) < SHOWN_ERRORS:
            joint = ", " if row.problems[0].column is not None else ": "
            where = f"{self._file} {self._unit} {row.number}"
            self.shown.append(f"{where}{joint}{describe(row.problems)}")

    def failure(self) -> ImportFailed:
        """The error that reports every bad row and says nothing was written."""
        rows = "row" if self.count == 1 else "rows"
        lines = [
            f"{self._file}: {self.count} bad {rows}, nothing was imported; fix them, or pass"
            " --skip-invalid to import the good rows and write the bad ones to a reject file",
            *(f"  {line}" for line in self.shown),
        ]
        if self.count > len(self.shown):
            lines.append(f"  ... and {self.count - len(self.shown)} more bad rows")
        return ImportFailed("\n".join(lines), bad_rows=self.count)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, default=str, ensure_ascii=False)


class RejectFile:
    """Bad rows with their original columns plus _line and _error, spooled then written."""

    def __init__(self, path: Path, columns: list[str] | None) -> None:
        self.path = path
        self._columns: dict[str, None] = {}
        self._add_columns(columns or [])
        # Closed by close(): the spool lives as long as the import.
        self._spool = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self.count = 0

    def add(self, row: ParsedRow) -> None:
        """Keep one bad row and its reason."""
        self.count += 1
        self._add_columns(row.values)
        cells = {column: _cell(value) for column, value in row.values.items()}
        self._spool.write(json.dumps([row.number, describe(row.problems), cells]) + "\n")

    def _add_columns(self, columns: Iterable[str]) -> None:
        for column in columns:
            # A reject file imported again gets fresh _line and _error columns.
            if column not in ("_line", "_error"):
                self._columns.setdefault(column, None)

    def write(self) -> None:
        """Write the reject file (only when there are rejects)."""
        if not self.count:
            return
        self._spool.seek(0)
        columns = list(self._columns)
        try:
            with self.path.open("w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                writer.writerow(["_line", "_error", *columns])
                for line in self._spool:
                    number, error, cells = json.loads(line)
                    writer.writerow([number, error, *(cells.get(c, "") for c in columns)])
        except OSError as exc:
            raise InvalidInputError(f"--reject-file {self.path}: cannot write it ({exc})") from exc

    def close(self) -> None:
        """Drop the spooled rows."""
        self._spool.close()
