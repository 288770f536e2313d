"""What batch scoring reads: leads, accounts and activities as Ibis tables on one engine.

Three sources: the operational store itself (SQLite or PostgreSQL), the store copied into an
in-process DuckDB or into Spark, and Parquet/CSV exports read in place by DuckDB or Spark.
Each attribute and property a model names becomes one typed column, whichever source holds
it and however it is kept (a column of its own, or a key of a JSON document).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
from sqlalchemy import Engine

from leadflow.engines import connect, duck, spark
from leadflow.engines.config import SparkConfig
from leadflow.engines.portable import ValueKind, json_value
from leadflow.scoring.language import Schema, ValueType
from leadflow.scoring.language.schema import ACCOUNT_ATTRIBUTES, LEAD_ATTRIBUTES

ACCOUNT_PREFIX = "account."
# Activity columns that are not event properties: identity, type, time, the JSON document.
ACTIVITY_COLUMNS = frozenset(
    {"id", "event_id", "lead_id", "anonymous_id", "type", "occurred_at", "received_at"}
) | {"properties"}
_TYPES: dict[ValueType, dt.DataType] = {
    ValueType.TEXT: dt.string,
    ValueType.NUMBER: dt.float64,
    ValueType.BOOLEAN: dt.boolean,
    ValueType.DATETIME: dt.Timestamp(timezone="UTC"),
}
# Datetime attributes are only ever tested for being missing, so their text will do.
_JSON_KINDS: dict[ValueType, ValueKind] = {
    ValueType.TEXT: "text",
    ValueType.NUMBER: "number",
    ValueType.BOOLEAN: "boolean",
    ValueType.DATETIME: "text",
}


@dataclass(frozen=True)
class BatchInputs:
    """Leads, accounts and activities as Ibis tables on one engine, and that engine's name.

    `repeated_events`: rows may repeat an event (files); rows sharing an event_id count once.
    """

    leads: ir.Table
    accounts: ir.Table
    activities: ir.Table
    backend: str
    repeated_events: bool = False


@dataclass(frozen=True)
class ExportSources:
    """Exports to read instead of the store's tables: files, folders or (Spark) URIs."""

    activities: tuple[str, ...] = ()
    leads: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.activities or self.leads or self.accounts)


NO_EXPORTS = ExportSources()


def store_inputs(engine: Engine) -> BatchInputs:
    """The store's own tables, scored where they are (SQLite or PostgreSQL)."""
    connection = connect.operational(engine)
    return BatchInputs(
        leads=connection.table("leads"),
        accounts=connection.table("accounts"),
        activities=connection.table("activities"),
        backend=connect.backend_name(connection),
    )


def duckdb_inputs(
    engine: Engine, *, activity_files: Sequence[Path] = (), threads: int | None = None
) -> BatchInputs:
    """Leads and accounts copied from the store into DuckDB; activities too, or from files."""
    source = connect.operational(engine)
    target = connect.duckdb(threads=threads)
    leads = duck.copy_store_table(source, target, "leads")
    accounts = duck.copy_store_table(source, target, "accounts")
    if not activity_files:
        activities = duck.copy_store_table(source, target, "activities")
        return BatchInputs(leads, accounts, activities, "duckdb")
    activities = duck.activity_files(target, activity_files, leads)
    # Exports overlap and repeat; the store's event ids are unique already.
    repeated = "event_id" in activities.columns
    return BatchInputs(leads, accounts, activities, "duckdb", repeated_events=repeated)


def file_inputs(
    *,
    leads: Sequence[Path],
    activities: Sequence[Path],
    accounts: Sequence[Path] = (),
    threads: int | None = None,
) -> BatchInputs:
    """Everything from Parquet/CSV exports, read in place by DuckDB; no store needed.

    Leads need `id`; accounts, when given, `id` (leads link to them by `account_id`).
    Columns are named as in the store; custom attributes are a JSON `attributes` column or,
    without one, columns of their own.
    """
    target = connect.duckdb(threads=threads)
    lead_table = duck.read_files(target, leads)
    if accounts:
        account_table = duck.read_files(target, accounts)
    else:
        account_table = target.create_table("accounts", schema=ibis.schema({"id": "int64"}))
    activity_table = duck.activity_files(target, activities, lead_table)
    return BatchInputs(
        lead_table,
        account_table,
        activity_table,
        "duckdb",
        repeated_events="event_id" in activity_table.columns,
    )


def spark_inputs(
    engine: Engine, *, config: SparkConfig, sources: ExportSources = NO_EXPORTS
) -> BatchInputs:
    """Each table from its exports, read by Spark where they lie, else copied from the store."""
    target = spark.SparkConnection(config)
    store = connect.operational(engine)
    try:
        if sources.leads:
            leads = spark.read_files(target, sources.leads)
        else:
            leads = spark.copy_store_table(store, target, "leads")
        if sources.accounts:
            accounts = spark.read_files(target, sources.accounts)
        elif sources.leads:
            # Leads from files link to accounts from files only.
            accounts = target.register("accounts", target.session.createDataFrame([], "id long"))
        else:
            accounts = spark.copy_store_table(store, target, "accounts")
        if not sources.activities:
            activities = spark.copy_store_table(store, target, "activities")
            return BatchInputs(leads, accounts, activities, "pyspark")
    finally:
        store.disconnect()
    activities = spark.activity_files(target, sources.activities, leads)
    repeated = "event_id" in activities.columns
    return BatchInputs(leads, accounts, activities, "pyspark", repeated_events=repeated)


def attribute_value(inputs: BatchInputs, schema: Schema, name: str) -> ir.Value:
    """Attribute `name` (a lead's, or `account.<name>`) of each lead, typed by the schema."""
    kind = _known(schema.attributes, name, "attribute")
    if name.startswith(ACCOUNT_PREFIX):
        table, key = inputs.accounts, name.removeprefix(ACCOUNT_PREFIX)
        built_in = name in ACCOUNT_ATTRIBUTES
    else:
        table, key, built_in = inputs.leads, name, name in LEAD_ATTRIBUTES
    if not built_in and "attributes" in table.columns:
        return json_value(table.attributes, key, _JSON_KINDS[kind], inputs.backend)
    return _column(table, key, kind)


def property_value(inputs: BatchInputs, schema: Schema, name: str) -> ir.Value:
    """Event property `name` of each activity: its own column, else its JSON `properties`."""
    kind = _known(schema.event_properties, name, "event property")
    activities = inputs.activities
    if name in activities.columns and name not in ACTIVITY_COLUMNS:
        return _column(activities, name, kind)
    if "properties" in activities.columns:
        return json_value(activities.properties, name, _JSON_KINDS[kind], inputs.backend)
    return ibis.null(_TYPES[kind])


def _known(types: Mapping[str, ValueType], name: str, noun: str) -> ValueType:
    if name not in types:
        raise ValueError(f"the model names {noun} {name!r}, which the schema does not know")
    return types[name]


def _column(table: ir.Table, name: str, kind: ValueType) -> ir.Value:
    if name not in table.columns:
        return ibis.null(_TYPES[kind])
    column = table[name]
    wanted, have = _TYPES[kind], column.type()
    # Datetimes are only ever tested for being missing: any type will do.
    same = kind is ValueType.DATETIME or type(have) is type(wanted)
    return (
        column if same or (kind is ValueType.NUMBER and have.is_numeric()) else column.cast(wanted)
    )
