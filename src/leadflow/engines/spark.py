"""Apache Spark as the batch engine, through Ibis's PySpark backend.

One session per process: Spark takes seconds to start, so the first job starts it (local
mode, a cluster or Spark Connect, as `[spark]` says) and every later job reuses it. The
session's time zone is UTC, so a time written without an offset means UTC, as on DuckDB.
Tables a job registers are temporary views with names of their own; `disconnect()` drops
them and leaves the session running.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Sequence
from functools import reduce
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from leadflow.engines import exports
from leadflow.engines.config import SparkConfig
from leadflow.errors import LeadflowError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

INSTALL_PYSPARK = "pip install -e '.[spark]' (or pip install 'leadflow[spark]')"
INSTALL_JAVA = (
    "install a Java 17 runtime (Debian/Ubuntu: apt-get install openjdk-17-jre-headless; "
    "macOS: brew install openjdk@17) and put `java` on PATH or set JAVA_HOME"
)
_URI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_session: SparkSession | None = None


def java_major(java: str) -> int | None:
    """The major version (8, 11, 17...) of the `java` executable, None if it does not run."""
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except OSError:
        return None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if done.returncode != 0 or found is None:
        return None
    major = int(found.group(1))
    # Java 8 and older call themselves 1.8.
    return int(found.group(2) or 0) if major == 1 else major


def check_runtime(config: SparkConfig) -> None:
    """Refuse, saying what to install, when pyspark or (for local Spark) Java is missing."""
    try:
        import pyspark
    except ImportError as exc:
        raise LeadflowError(f"--engine spark needs pyspark: {INSTALL_PYSPARK}") from exc
    if config.remote is not None:
        return
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home, "bin", "java")) if home else shutil.which("java")
    if java is None:
        raise LeadflowError(f"--engine spark needs Java, and none was found: {INSTALL_JAVA}")
    # Spark 4 runs on Java 17 or newer; Spark 3.5 on 8, 11 or 17.
    needed = 17 if int(pyspark.__version__.split(".")[0]) >= 4 else 8
    major = java_major(java)
    if major is None or major < needed:
        found = "does not run" if major is None else f"is Java {major}"
        raise LeadflowError(
            f"--engine spark (pyspark {pyspark.__version__}) needs Java {needed} or newer;"
            f" {java} {found}: {INSTALL_JAVA}"
        )


def session(config: SparkConfig) -> SparkSession:
    """This process's Spark session, started on first use with `config`, then reused."""
    global _session
    if _session is not None:
        return _session
    check_runtime(config)
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("leadflow")
    if config.remote is not None:
        builder = _connect_builder(builder, config.remote)
    else:
        builder = builder.master(config.master).config("spark.ui.showConsoleProgress", "false")
        # Spark's start-up chatter (warnings about the host name, native libraries) is noise.
        quiet = Path(__file__).with_name("spark-log4j2.properties").as_uri()
        builder = builder.config(
            "spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={quiet}"
        )
        if config.driver_memory:
            builder = builder.config("spark.driver.memory", config.driver_memory)
        # Tables leadflow makes in Spark live for one run: never a spark-warehouse/ folder
        # in the user's working directory.
        warehouse = tempfile.mkdtemp(prefix="leadflow-spark-warehouse-")
        builder = builder.config("spark.sql.warehouse.dir", warehouse)
    settings = {
        "spark.sql.session.timeZone": "UTC",
        # Parquet instants as UTC microseconds (not the legacy INT96), as other readers expect.
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    }
    settings |= _partitions(config) | config.conf
    for key, value in settings.items():
        builder = builder.config(key, value)
    started = builder.getOrCreate()
    if config.remote is None:
        started.sparkContext.setLogLevel(config.log_level)
    _session = started
    return started


def _connect_builder(builder: Any, remote: str) -> Any:
    try:
        import pyspark.sql.connect.session  # noqa: F401
    except ImportError as exc:
        raise LeadflowError(
            f"--spark-remote needs Spark Connect's client: pip install 'pyspark[connect]' ({exc})"
        ) from exc
    return builder.remote(remote)


def _partitions(config: SparkConfig) -> dict[str, str]:
    if config.shuffle_partitions is not None:
        return {"spark.sql.shuffle.partitions": str(config.shuffle_partitions)}
    if not config.is_local:
        return {}
    # Spark's default of 200 partitions suits a cluster; on one machine it is mostly overhead.
    cores = config.master.removeprefix("local[").rstrip("]")
    count = os.cpu_count() or 2 if cores in ("local", "*") or not cores.isdigit() else int(cores)
    return {"spark.sql.shuffle.partitions": str(max(2, 2 * count))}


class SparkConnection:
    """An Ibis connection on the shared session, and the views it registered."""

    def __init__(self, config: SparkConfig) -> None:
        self.session = session(config)
        self.backend: BaseBackend = ibis.pyspark.connect(self.session)
        self._prefix = f"leadflow_{uuid.uuid4().hex[:8]}_"
        self._views: list[str] = []

    def register(self, name: str, frame: DataFrame) -> ir.Table:
        """`frame` as an Ibis table named after `name`."""
        # Numbered: a job reads many exports, each registered as "parquet" or "csv".
        view = f"{self._prefix}{len(self._views)}_{name}"
        frame.createOrReplaceTempView(view)
        self._views.append(view)
        return self.backend.table(view)

    def disconnect(self) -> None:
        """Drop this connection's views; the session stays for the next job."""
        for view in self._views:
            self.session.catalog.dropTempView(view)
        self._views.clear()


def copy_store_table(
    source: BaseBackend, target: SparkConnection, name: str, *, page_rows: int = exports.PAGE_ROWS
) -> ir.Table:
    """Table `name` of the store copied into Spark, page by page through Arrow."""
    schema, pages = exports.store_pages(source, name, page_rows=page_rows)
    frames = [frame(target.session, page) for page in pages]
    if not frames:
        frames = [frame(target.session, schema.empty_table())]
    return target.register(name, reduce(lambda a, b: a.union(b), frames))


def frame(spark: SparkSession, page: Any) -> DataFrame:
    """An Arrow table as a Spark DataFrame."""
    import pyspark

    if int(pyspark.__version__.split(".")[0]) >= 4:
        return spark.createDataFrame(page)
    # Spark 3.5 takes pandas, not Arrow, but still turns it into Arrow on the way in.
    return spark.createDataFrame(page.to_pandas())


def read_files(target: SparkConnection, sources: Sequence[str]) -> ir.Table:
    """Parquet and CSV exports as one table, columns matched by name.

    A source is a file (.parquet or .csv), a folder of such files, or a URI the cluster can
    read (s3a://, gs://, abfss://, hdfs://...): a URI ending in .csv is CSV, any other
    Parquet (a folder of Parquet files is what a lake holds).
    """
    parquet: list[str] = []
    csv: list[str] = []
    for source in sources:
        if _URI.match(source) and not source.startswith("file://"):
            (csv if source.lower().endswith(".csv") else parquet).append(source)
            continue
        path = Path(source.removeprefix("file://"))
        files = _folder_files(path) if path.is_dir() else [path]
        exports.check_local_files(files)
        for file in files:
            (csv if file.suffix.lower() == ".csv" else parquet).append(str(file.resolve()))
    if not parquet and not csv:
        raise ValueError("no files given")
    reader = target.session.read
    parts = []
    if parquet:
        parts.append(target.register("parquet", reader.parquet(*parquet, mergeSchema=True)))
    if csv:
        # Every value is text, typed later by the schema; a quote inside a quoted value is
        # doubled, as Python's csv module and spreadsheets write it.
        frame = reader.csv(csv, header=True, inferSchema=False, escape='"', multiLine=True)
        parts.append(target.register("csv", frame))
    return exports.union_by_name(parts)


def _folder_files(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in exports.FORMATS)
    if not files:
        raise ValueError(f"{folder}: no .parquet or .csv files in this folder")
    return files


def activity_files(target: SparkConnection, sources: Sequence[str], leads: ir.Table) -> ir.Table:
    """Activity exports read by Spark as the store's activities (see exports.activities_from)."""
    return exports.activities_from(read_files(target, sources), leads)


def arrow_batches(backend: BaseBackend, table: ir.Table, *, batch_rows: int) -> Any:
    """The rows of `table` as Arrow batches, collected to the driver through Arrow."""
    import pyarrow as pa

    frame = backend._session.sql(str(backend.compile(table)))
    if hasattr(frame, "toArrow"):
        # Spark 4 hands Arrow over directly; Ibis would go through pandas and back.
        rows = frame.toArrow().cast(table.schema().to_pyarrow())
    else:
        rows = table.to_pyarrow()
    return pa.RecordBatchReader.from_batches(rows.schema, rows.to_batches(batch_rows))


def exact_counts(table: ir.Table) -> ir.Table:
    """`table` with each filtered row count zero, not null, when no row passes the filter.

    Ibis 12 compiles `count(where=...)` for Spark as SUM(CAST(cond AS BIGINT)), which is
    null for a group where the condition is never true; every other engine counts 0.
    """

    def rewrite(node: ops.Node, changed: dict[str, object] | None) -> ops.Node:
        new = node.__recreate__(changed) if changed else node
        if isinstance(new, ops.CountStar) and new.where is not None:
            return ops.Coalesce((new, ops.Literal(0, dt.int64)))
        return new

    return table.op().replace(rewrite).to_expr()
