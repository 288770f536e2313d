"""Import files read column-wise, in Arrow record batches: the fast way through a clean file.

Only CSV (gzipped too) and Parquet: their columns are known up front. Arrow's CSV parser
reads RFC 4180 files value for value as the csv module does; anything it would read
differently (a row of the wrong width, text that is not UTF-8) is an ArrowException, and the
import then takes the row-by-row path, whose messages name the line.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

if TYPE_CHECKING:
    import pyarrow as pa

BLOCK_BYTES = 4 << 20

# Opens the file again and yields its rows as record batches (column i being the header's
# i), each with the fraction of the file read so far.
BatchReader = Callable[[], Iterator[tuple["pa.RecordBatch", float]]]


def csv_batches(path: Path, width: int, delimiter: str) -> BatchReader:
    """Every column as text, empty cells as empty text, the header line skipped."""

    def read() -> Iterator[tuple[pa.RecordBatch, float]]:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        names = [f"c{i}" for i in range(width)]
        size = max(path.stat().st_size, 1)
        with path.open("rb") as raw:
            binary: IO[bytes] = raw
            if path.name.lower().endswith(".gz"):
                binary = cast(IO[bytes], gzip.GzipFile(fileobj=raw))
            reader = pacsv.open_csv(
                binary,
                read_options=pacsv.ReadOptions(
                    column_names=names, skip_rows=1, block_size=BLOCK_BYTES, use_threads=True
                ),
                parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            for batch in reader:
                yield batch, min(raw.tell() / size, 1.0)

    return read


def parquet_batches(path: Path, rows: int) -> BatchReader:
    """The file's row groups in batches of about `rows` rows."""

    def read() -> Iterator[tuple[pa.RecordBatch, float]]:
        import pyarrow.parquet as pq

        with pq.ParquetFile(str(path)) as parquet:
            total, done = max(parquet.metadata.num_rows, 1), 0
            for batch in parquet.iter_batches(batch_size=rows):
                done += batch.num_rows
                yield batch, done / total

    return read
