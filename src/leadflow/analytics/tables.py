"""What the reports read: the store's tables as Ibis tables on one engine, in one shape.

Three sources, one shape: the operational store itself (SQLite or PostgreSQL), the store
copied into an in-process DuckDB or into Spark, or Parquet/CSV exports (one file or folder
per table) read in place by DuckDB. Every report is one Ibis expression over these tables,
so it gives the same answer wherever the data sits.

The shape is what makes the answers identical: every instant becomes `<name>_us`, whole
microseconds since 1970-01-01 UTC (an integer, exact on every engine), every date becomes
`<name>_day`, whole days since 1970-01-01, and money is left as stored (reports sum it as
integer cents). Columns a file export lacks are null.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol, cast

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
from ibis.backends import BaseBackend
from sqlalchemy import Engine

from leadflow.analytics.request import ReportParameterError
from leadflow.engines import connect, duck, spark
from leadflow.engines.config import SparkConfig
from leadflow.engines.portable import epoch_us, json_text

_INT, _TEXT, _FLOAT, _BOOL = dt.int64, dt.string, dt.float64, dt.boolean
_INSTANT, _DATE, _JSON = dt.Timestamp(timezone="UTC"), dt.date, dt.json
DAY_US = 86_400_000_000

# Every column the reports read, by table, typed as the store keeps it.
COLUMNS: dict[str, dict[str, dt.DataType]] = {
    "leads": {
        "id": _INT,
        "source": _TEXT,
        "medium": _TEXT,
        "campaign": _TEXT,
        "persona": _TEXT,
        "seniority": _TEXT,
        "department": _TEXT,
        "company": _TEXT,
        "country": _TEXT,
        "region": _TEXT,
        "city": _TEXT,
        "email_domain": _TEXT,
        "account_id": _INT,
        "owner_id": _INT,
        "stage": _TEXT,
        "cycle": _INT,
        "created_at": _INSTANT,
        "attributes": _JSON,
    },
    "stage_changes": {
        "id": _INT,
        "lead_id": _INT,
        "cycle": _INT,
        "from_stage": _TEXT,
        "to_stage": _TEXT,
        "changed_at": _INSTANT,
        "actor_type": _TEXT,
        "actor": _TEXT,
        "reason": _TEXT,
    },
    "opportunities": {
        "id": _INT,
        "lead_id": _INT,
        "cycle": _INT,
        "amount": _FLOAT,
        "currency": _TEXT,
        "status": _TEXT,
        "owner_id": _INT,
        "opened_at": _INSTANT,
        "closed_at": _INSTANT,
        "lost_reason": _TEXT,
    },
    "activities": {
        "id": _INT,
        "lead_id": _INT,
        "type": _TEXT,
        "occurred_at": _INSTANT,
        "source": _TEXT,
        "medium": _TEXT,
        "campaign": _TEXT,
        "content": _TEXT,
        "term": _TEXT,
    },
    "sla_timers": {
        "id": _INT,
        "lead_id": _INT,
        "cycle": _INT,
        "stage": _TEXT,
        "owner_id": _INT,
        "team": _TEXT,
        "started_at": _INSTANT,
        "due_at": _INSTANT,
        "status": _TEXT,
        "closed_at": _INSTANT,
        "breached_at": _INSTANT,
        "escalation": _TEXT,
        "escalated_to_id": _INT,
    },
    "lead_scores": {
        "lead_id": _INT,
        "model_version": _TEXT,
        "fit": _FLOAT,
        "engagement": _FLOAT,
        "fit_band": _TEXT,
        "engagement_band": _INT,
        "grade": _TEXT,
        "is_mql": _BOOL,
    },
    "users": {"id": _INT, "name": _TEXT, "email": _TEXT, "role": _TEXT, "team": _TEXT},
    "campaign_spend": {
        "id": _INT,
        "source": _TEXT,
        "medium": _TEXT,
        "campaign": _TEXT,
        "period_start": _DATE,
        "period_end": _DATE,
        "amount": _FLOAT,
        "currency": _TEXT,
    },
}
# Lead columns `--by` may name directly; any other name is a custom attribute.
LEAD_DIMENSIONS = tuple(
    name for name, kind in COLUMNS["leads"].items() if kind in (_TEXT, _INT) and name != "id"
)
_REQUIRED_IN_FILES = {"leads": ("id",), "stage_changes": ("lead_id", "to_stage", "changed_at")}


class Connection(Protocol):
    """What the tables are read through: an Ibis connection, or a job's views on Spark."""

    def disconnect(self) -> None: ...


@dataclass(frozen=True)
class ReportTables:
    """The report inputs as Ibis tables on one engine, and that engine's name.

    `scores` holds the active scoring model's score of each lead; `spend` is campaign_spend.
    Instants are `<name>_us` (int64 microseconds, UTC), dates `<name>_day` (int64 days).
    `connection` is the Ibis connection they are read through: `close()` it when done.
    """

    leads: ir.Table
    stage_changes: ir.Table
    opportunities: ir.Table
    activities: ir.Table
    sla_timers: ir.Table
    scores: ir.Table
    users: ir.Table
    spend: ir.Table
    backend: str
    connection: Connection

    def close(self) -> None:
        """Close the connection the tables are read through (a server must not leak them)."""
        self.connection.disconnect()


def store_tables(engine: Engine) -> ReportTables:
    """The store's own tables, queried where they are (SQLite or PostgreSQL)."""
    connection = connect.operational(engine)
    tables = {name: connection.table(name) for name in COLUMNS}
    tables["lead_scores"] = _active_scores(connection)
    return _shaped(connection, tables)


def duckdb_tables(engine: Engine, *, threads: int | None = None) -> ReportTables:
    """The store's tables copied into an in-process DuckDB, then queried there."""
    source = connect.operational(engine)
    target = connect.duckdb(threads=threads)
    try:
        copied = {
            name: duck.copy_store_table(source, target, name)
            for name in COLUMNS
            if name != "lead_scores"
        }
        # Scores are keyed by (lead, version), not by id: only the active version's cross over.
        scores = source.to_pyarrow(_active_scores(source).select(*COLUMNS["lead_scores"]))
    finally:
        source.disconnect()
    copied["lead_scores"] = target.create_table("lead_scores", scores, temp=True)
    return _shaped(target, copied)


def spark_tables(engine: Engine, *, config: SparkConfig) -> ReportTables:
    """The store's tables copied into Spark (local mode, a cluster or Spark Connect)."""
    source = connect.operational(engine)
    target = spark.SparkConnection(config)
    try:
        copied = {
            name: spark.copy_store_table(source, target, name)
            for name in COLUMNS
            if name != "lead_scores"
        }
        scores = source.to_pyarrow(_active_scores(source).select(*COLUMNS["lead_scores"]))
    finally:
        source.disconnect()
    copied["lead_scores"] = target.register("lead_scores", spark.frame(target.session, scores))
    return _shaped(target, copied, backend="pyspark")


def file_tables(files: Mapping[str, Sequence[Path]], *, threads: int | None = None) -> ReportTables:
    """Parquet/CSV exports read in place by DuckDB, keyed by store table name.

    `leads` and `stage_changes` are required; a table not given is empty. Columns are named
    as in the store; a `lead_scores` export holds one model version's scores.
    """
    unknown = sorted(set(files) - set(COLUMNS))
    if unknown:
        raise ValueError(f"unknown tables {', '.join(unknown)}; known: {', '.join(COLUMNS)}")
    target = connect.duckdb(threads=threads)
    tables: dict[str, ir.Table] = {}
    for name, columns in COLUMNS.items():
        if files.get(name):
            raw = duck.read_files(target, files[name])
            missing = [c for c in _REQUIRED_IN_FILES.get(name, ()) if c not in raw.columns]
            if missing:
                raise ValueError(f"{name} files need the column(s) {', '.join(missing)}")
            tables[name] = _typed(raw, columns)
        elif name in _REQUIRED_IN_FILES:
            raise ValueError(f"no {name} files given")
        else:
            tables[name] = target.create_table(name, schema=ibis.schema(columns), temp=True)
    return _shaped(target, tables)


def lead_attribute(tables: ReportTables, name: str) -> ir.StringValue:
    """Lead attribute `name` as text: a column of leads, else a key of its `attributes`."""
    leads = tables.leads
    if name in LEAD_DIMENSIONS:
        return leads[name].cast("string")
    if not name or not name.replace("_", "").replace(".", "").isalnum():
        raise ReportParameterError(
            f"{name!r}: an attribute name is letters, digits, '_' and '.'", field="by"
        )
    return json_text(leads.attributes, name, tables.backend)


def _typed(raw: ir.Table, columns: Mapping[str, dt.DataType]) -> ir.Table:
    # File columns arrive as text (CSV) or as written (Parquet); each is cast to the store's type.
    kept = {}
    for column, kind in columns.items():
        if column not in raw.columns:
            kept[column] = ibis.null(kind)
        elif kind.is_json():
            kept[column] = raw[column].cast("string")
        elif kind.is_timestamp():
            kept[column] = raw[column].cast(duck.UTC_TIMESTAMP)
        elif kind.is_boolean() and raw[column].type().is_string():
            kept[column] = raw[column].lower().isin(("true", "1", "t", "yes"))
        else:
            kept[column] = raw[column].cast(kind)
    return raw.select(**kept)


def _active_scores(connection: BaseBackend) -> ir.Table:
    scores = connection.table("lead_scores")
    versions = connection.table("scoring_model_versions")
    active = versions.filter(versions.is_active).select(active_version=versions.version)
    return scores.semi_join(active, scores.model_version == active.active_version)


def _shaped(
    connection: Connection, tables: Mapping[str, ir.Table], *, backend: str | None = None
) -> ReportTables:
    backend = backend or connect.backend_name(cast(BaseBackend, connection))
    shaped = {name: _shape(tables[name], COLUMNS[name], backend) for name in COLUMNS}
    return ReportTables(
        leads=shaped["leads"],
        stage_changes=shaped["stage_changes"],
        opportunities=shaped["opportunities"],
        activities=shaped["activities"],
        sla_timers=shaped["sla_timers"],
        scores=shaped["lead_scores"],
        users=shaped["users"],
        spend=shaped["campaign_spend"],
        backend=backend,
        connection=connection,
    )


def _shape(table: ir.Table, columns: Mapping[str, dt.DataType], backend: str) -> ir.Table:
    kept: dict[str, ir.Value] = {}
    for column, kind in columns.items():
        value = table[column]
        if kind.is_timestamp():
            kept[column.removesuffix("_at") + "_us"] = epoch_us(value, backend)
        elif kind.is_date():
            kept[column + "_day"] = _epoch_day(value, backend)
        else:
            kept[column] = value
    return table.select(**kept)


@ibis.udf.scalar.builtin(name="strftime")
def _sqlite_strftime(fmt: str, value: date) -> str: ...  # type: ignore[empty-body]


def _epoch_day(value: ir.Value, backend: str) -> ir.IntegerValue:
    # A date is its midnight UTC; whole days keep spend periods exact integer arithmetic.
    if backend == "sqlite":
        seconds = _sqlite_strftime("%s", value).cast("int64")
        return seconds // 86_400
    midnight = value.cast(_INSTANT)
    return epoch_us(midnight, backend) // DAY_US
