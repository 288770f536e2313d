"""Import files read as a stream of rows: CSV, JSON Lines and Parquet, CSV and JSONL gzipped."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from leadflow.errors import InvalidInputError
from leadflow.importing.batches import BatchReader, csv_batches, parquet_batches

FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
}
_DELIMITERS = (",", ";", "\t", "|")
# The longest CSV value read (the csv module's own limit is 128 KiB).
FIELD_LIMIT = 16 * 1024 * 1024
_UNDECODABLE = re.compile("[\udc80-\udcff]")
# Reject files carry these; a fixed reject file can be imported again as it is.
REJECT_COLUMNS = ("_line", "_error", "_raw")


@dataclass(slots=True)
class SourceRow:
    """One record: its line (or row) number, its values by column, or why it is unreadable."""

    number: int
    values: dict[str, Any]
    problem: str | None = None


@dataclass
class Source:
    """An open import file: its columns (None when the format has none up front) and rows."""

    path: Path
    unit: str
    columns: list[str] | None
    rows: Iterator[SourceRow]
    position: Callable[[], float] | None = field(default=None)
    # The same file column-wise, when its format allows (CSV, Parquet).
    batches: BatchReader | None = field(default=None)

    def chunks(self, size: int) -> Iterator[list[SourceRow]]:
        """The rows in lists of at most `size`."""
        chunk: list[SourceRow] = []
        for row in self.rows:
            chunk.append(row)
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def fraction_read(self) -> float | None:
        """How much of the file has been read, 0 to 1, when that is known."""
        return self.position() if self.position else None


def file_format(path: Path) -> str:
    """csv, jsonl or parquet, from the file name; gzip only for the text formats."""
    name = path.name.lower()
    compressed = name.endswith(".gz")
    suffix = Path(name.removesuffix(".gz")).suffix
    kind = FORMATS.get(suffix)
    if kind is None or (compressed and kind == "parquet"):
        known = ", ".join([*FORMATS, ".csv.gz", ".jsonl.gz"])
        raise InvalidInputError(f"{path}: unknown file type; use one of {known}")
    return kind


@contextmanager
def open_source(path: Path) -> Iterator[Source]:
    """Open an import file for streaming; errors name the file."""
    kind = file_format(path)
    if not path.is_file():
        raise InvalidInputError(f"{path}: no such file")
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise InvalidInputError(f"{path}: cannot read it ({exc.strerror})") from exc
    with raw:
        size = max(path.stat().st_size, 1)

        def position() -> float:
            # A text wrapper closes the file when it is dropped at the end of the rows.
            return 1.0 if raw.closed else min(raw.tell() / size, 1.0)

        if kind == "parquet":
            yield _parquet(path, raw)
            return
        binary: IO[bytes] = (
            cast(IO[bytes], gzip.GzipFile(fileobj=raw)) if path.name.endswith(".gz") else raw
        )
        reader = _csv if kind == "csv" else _jsonl
        try:
            yield reader(path, binary, position)
        except UnicodeDecodeError as exc:
            raise InvalidInputError(
                f"{path}: not UTF-8 text ({exc.reason}); save it as UTF-8"
            ) from exc
        except (OSError, EOFError) as exc:
            raise InvalidInputError(f"{path}: cannot read it ({exc})") from exc


def _csv(path: Path, binary: IO[bytes], position: Callable[[], float]) -> Source:
    # Undecodable bytes become lone surrogates, so the row they are in can be named.
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="surrogateescape", newline="")
    csv.field_size_limit(FIELD_LIMIT)
    header_line = text.readline()
    if not header_line.strip():
        raise InvalidInputError(f"{path}: empty file; the first line must name the columns")
    if _UNDECODABLE.search(header_line):
        raise InvalidInputError(f"{path} line 1: {_not_utf8(header_line)}")
    delimiter = "\t" if path.name.lower().endswith((".tsv", ".tsv.gz")) else _delimiter(header_line)
    try:
        header = next(csv.reader([header_line], delimiter=delimiter))
    except csv.Error as exc:
        raise InvalidInputError(f"{path} line 1: {_csv_problem(exc)}") from exc
    reader = csv.reader(text, delimiter=delimiter)
    batches = csv_batches(path, len(header), delimiter)
    return Source(path, "line", header, _csv_rows(path, reader, header), position, batches)


def _not_utf8(text: str) -> str:
    found = _UNDECODABLE.search(text)
    byte = f" (byte 0x{ord(found.group()) - 0xDC00:02x})" if found else ""
    return f"not UTF-8 text{byte}; save the file as UTF-8"


def _csv_problem(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return f"a value is longer than {FIELD_LIMIT:,} characters"
    return f"cannot be read as CSV ({exc})"


def _delimiter(header_line: str) -> str:
    counts = {delimiter: header_line.count(delimiter) for delimiter in _DELIMITERS}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _csv_rows(path: Path, reader: Any, header: list[str]) -> Iterator[SourceRow]:
    width = len(header)
    last_line = 1  # the header
    try:
        for values in reader:
            number = last_line + 1
            last_line = reader.line_num + 1
            if not values:
                continue  # a blank line
            joined = "".join(values)
            undecodable = not joined.isascii() and _UNDECODABLE.search(joined)
            if len(values) == width and not undecodable:
                yield SourceRow(number, dict(zip(header, values, strict=True)))
                continue
            buffer = io.StringIO()
            csv.writer(buffer).writerow(values)
            raw = buffer.getvalue().rstrip("\r\n")
            if undecodable:
                raw = raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                yield SourceRow(number, {"_raw": raw}, _not_utf8(joined))
                continue
            problem = f"has {len(values)} values but the header names {width} columns"
            yield SourceRow(number, {"_raw": raw}, problem)
    except csv.Error as exc:
        raise InvalidInputError(f"{path} line {last_line + 1}: {_csv_problem(exc)}") from exc


def _jsonl(path: Path, binary: IO[bytes], position: Callable[[], float]) -> Source:
    return Source(path, "line", None, _jsonl_rows(binary), position)


class _Refused(Exception):
    """A JSON line that parses but cannot be imported as it is."""


def _no_constants(name: str) -> None:
    raise _Refused(f"{name} is not a JSON number; write null or leave the key out")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    values = dict(pairs)
    if len(values) < len(pairs):
        counts = Counter(key for key, _ in pairs)
        twice = next(key for key, count in counts.items() if count > 1)
        raise _Refused(f"key {twice!r} appears twice in one object")
    return values


def _jsonl_rows(binary: IO[bytes]) -> Iterator[SourceRow]:
    for number, line in enumerate(binary, start=1):
        try:
            text = line.decode("utf-8-sig" if number == 1 else "utf-8").strip()
        except UnicodeDecodeError as exc:
            raw = line.decode("utf-8", "replace").strip()
            problem = f"not UTF-8 text ({exc.reason}); save the file as UTF-8"
            yield SourceRow(number, {"_raw": raw}, problem)
            continue
        if not text:
            continue
        try:
            values = json.loads(text, parse_constant=_no_constants, object_pairs_hook=_object)
        except json.JSONDecodeError as exc:
            yield SourceRow(number, {"_raw": text}, f"not valid JSON ({exc.msg})")
            continue
        except _Refused as exc:
            yield SourceRow(number, {"_raw": text}, str(exc))
            continue
        except RecursionError:
            yield SourceRow(number, {"_raw": text}, "nested too deeply to be imported")
            continue
        if not isinstance(values, dict):
            yield SourceRow(number, {"_raw": text}, "expected a JSON object")
            continue
        yield SourceRow(number, values)


def _parquet(path: Path, raw: IO[bytes]) -> Source:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(raw)
    except (pa.ArrowException, OSError) as exc:
        raise InvalidInputError(f"{path}: not a readable Parquet file ({exc})") from exc
    total = max(parquet.metadata.num_rows, 1)
    read = [0]

    def rows() -> Iterator[SourceRow]:
        number = 0
        for batch in parquet.iter_batches(batch_size=10_000):
            for values in batch.to_pylist():
                number += 1
                yield SourceRow(number, values)
            read[0] = number

    return Source(
        path,
        "row",
        list(parquet.schema_arrow.names),
        rows(),
        lambda: read[0] / total,
        parquet_batches(path, 10_000),
    )
