"""One import from start to end: read in chunks, check, write in one transaction, report."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, Protocol, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, Engine, Table, select
from sqlalchemy.exc import DBAPIError

from leadflow.config import Settings
from leadflow.errors import InvalidInputError, LeadflowError
from leadflow.importing.accounts import AccountImport
from leadflow.importing.activities import ActivityImport
from leadflow.importing.activity_columns import write_activity_columns
from leadflow.importing.columnar import NotClean, import_columns
from leadflow.importing.context import ImportContext
from leadflow.importing.leads import LeadImport
from leadflow.importing.plan import ColumnPlan, ColumnRules
from leadflow.importing.readers import Source, open_source
from leadflow.importing.report import ErrorLog, ImportSummary, RejectFile
from leadflow.importing.spend import SpendImport
from leadflow.leads.identity import DomainRules
from leadflow.leads.models import AttributeDefinition
from leadflow.storage.base import utcnow
from leadflow.storage.bulk import insert_rows

KINDS: dict[str, Any] = {
    "leads": LeadImport,
    "accounts": AccountImport,
    "activities": ActivityImport,
    "spend": SpendImport,
}
DEFINITIONS = cast(Table, AttributeDefinition.__table__)
# Kinds whose clean files can be written column by column, and how.
COLUMN_WRITERS: dict[str, Any] = {"activities": write_activity_columns}
SQLITE_IMPORT_CACHE_KIB = 64 * 1024

# Rows read so far, and the fraction of the file read (None when unknown).
ProgressCallback = Callable[[int, float | None], None]


class WriteHook(Protocol):
    """Work done inside an import's transaction around its writes (such as rescoring the
    leads it touched), so it commits, or rolls back, together with the rows."""

    def before(self, connection: Connection, context: ImportContext) -> None:
        """Called before the first row is written."""

    def after(self, connection: Connection, context: ImportContext) -> None:
        """Called once every row is written, before the commit."""


@dataclass(frozen=True)
class ImportOptions:
    """How to import: column rules, what to do with bad rows, and the deployment's settings."""

    columns: ColumnRules = field(default_factory=ColumnRules)
    skip_invalid: bool = False
    reject_file: Path | None = None
    time_zone: str = "UTC"
    chunk_rows: int = 5_000
    extra_free_mail_domains: tuple[str, ...] = ()
    extra_disposable_domains: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings, **given: Any) -> ImportOptions:
        """Options with the time zone, chunk size and domain lists of `settings`."""
        base: dict[str, Any] = {
            "time_zone": settings.time_zone,
            "chunk_rows": settings.import_chunk_rows,
            "extra_free_mail_domains": tuple(settings.extra_free_mail_domains),
            "extra_disposable_domains": tuple(settings.extra_disposable_domains),
        }
        return cls(**(base | given))


def default_reject_file(path: Path) -> Path:
    """`<file stem>.rejects.csv` next to the imported file."""
    name = path.name.removesuffix(".gz")
    return path.with_name(f"{Path(name).stem}.rejects.csv")


def import_file(
    *,
    engine: Engine,
    kind: str,
    path: Path,
    options: ImportOptions | None = None,
    progress: ProgressCallback | None = None,
    hook: WriteHook | None = None,
) -> ImportSummary:
    """Import one file of leads, accounts or activities; all or nothing unless skip_invalid."""
    options = options or ImportOptions()
    if kind not in KINDS:
        raise InvalidInputError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    try:
        zone = ZoneInfo(options.time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInputError(f"time zone {options.time_zone!r} is unknown") from exc
    rules = DomainRules.default(options.extra_free_mail_domains, options.extra_disposable_domains)
    reject_path = options.reject_file or default_reject_file(path)
    if options.skip_invalid and not reject_path.parent.is_dir():
        raise InvalidInputError(f"--reject-file {reject_path}: folder does not exist")
    started = time.perf_counter()
    attempt = partial(
        _import_once,
        engine=engine,
        kind=kind,
        options=options,
        zone=zone,
        rules=rules,
        progress=progress,
        hook=hook,
    )
    with open_source(path) as source:
        summary = None
        if source.batches is not None and kind in COLUMN_WRITERS:
            try:
                summary = attempt(source=source, columnar=True)
            except NotClean:
                summary = None  # rolled back: the row path reports or skips the bad rows
        if summary is None:
            summary = attempt(source=source, columnar=False, reject_path=reject_path)
    summary.seconds = time.perf_counter() - started
    return summary


def _import_once(
    *,
    engine: Engine,
    kind: str,
    source: Source,
    options: ImportOptions,
    zone: ZoneInfo,
    rules: DomainRules,
    progress: ProgressCallback | None,
    hook: WriteHook | None,
    columnar: bool,
    reject_path: Path | None = None,
) -> ImportSummary:
    """One pass over the file in one transaction: column-wise (NotClean unless the file is
    clean) or row by row."""
    path = source.path
    summary = ImportSummary(kind=kind, file=str(path))
    context = ImportContext(now=utcnow(), rules=rules, summary=summary)
    rejects = None
    if options.skip_invalid and not columnar and reject_path is not None:
        rejects = RejectFile(reject_path, source.columns)
    try:
        with engine.begin() as connection, _large_page_cache(connection):
            run = _Run(connection, source, context, options, zone, rejects)
            if hook is not None:
                hook.before(connection, context)
            if columnar:
                run.all_column_chunks(progress)
            else:
                run.all_chunks(progress)
            if hook is not None:
                hook.after(connection, context)
        if rejects is not None and rejects.count:
            rejects.write()
            summary.reject_file = str(reject_path)
    except DBAPIError as exc:
        raise LeadflowError(
            f"{path.name}: the database refused the import, nothing was written: {exc.orig}"
        ) from exc
    finally:
        if rejects is not None:
            rejects.close()
    return summary


@contextmanager
def _large_page_cache(connection: Connection) -> Iterator[None]:
    """On SQLite, a bigger page cache while importing: index pages stay in memory instead of
    being re-read for every row once the tables outgrow the default 2 MB."""
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
    connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={int(previous)}")


class _Run:
    """The chunk loop of one import inside its transaction."""

    def __init__(
        self,
        connection: Connection,
        source: Source,
        context: ImportContext,
        options: ImportOptions,
        zone: ZoneInfo,
        rejects: RejectFile | None,
    ) -> None:
        handler_class = KINDS[context.summary.kind]
        self.connection = connection
        self.source = source
        self.context = context
        self.options = options
        self.rejects = rejects
        self.entity = handler_class.spec.entity
        self.plan = ColumnPlan(
            spec=handler_class.spec,
            rules=options.columns,
            recorded=recorded_types(connection, self.entity),
            zone=zone,
            file_label=source.path.name,
        )
        if source.columns is not None:
            self.plan.add(source.columns)
            self.plan.check_header(source.columns)
        self.handler = handler_class(connection=connection, context=context)
        self.errors = ErrorLog(file_label=source.path.name, unit=source.unit)

    def all_chunks(self, progress: ProgressCallback | None) -> None:
        """Validate every chunk, writing while the file is clean (or always, skipping bad
        rows, with skip_invalid); raise ImportFailed at the end if any row was bad."""
        summary = self.context.summary
        for chunk in self.source.chunks(self.options.chunk_rows):
            if self.source.columns is None:
                self.plan.add(dict.fromkeys(key for row in chunk for key in row.values))
            self.plan.infer(chunk)
            parsed = [self.plan.parse(row) for row in chunk]
            clean = self.errors.count == 0 and not any(row.problems for row in parsed)
            write = self.options.skip_invalid or clean
            if write:
                self._record_types()
            self.handler.apply(parsed, write=write)
            for row in parsed:
                if row.problems:
                    self.errors.add(row)
                    if self.rejects is not None:
                        self.rejects.add(row)
            summary.rows += len(chunk)
            if progress is not None:
                progress(summary.rows, self.source.fraction_read())
        summary.rejected = self.errors.count
        if self.errors.count and not self.options.skip_invalid:
            raise self.errors.failure()

    def all_column_chunks(self, progress: ProgressCallback | None) -> None:
        """Write the file column-wise; NotClean (before anything is committed) as soon as a
        row is not clean."""
        assert self.source.batches is not None and self.source.columns is not None
        handler = self.handler
        write = COLUMN_WRITERS[self.context.summary.kind]
        import_columns(
            plan=self.plan,
            read=self.source.batches,
            header=self.source.columns,
            chunk_rows=self.options.chunk_rows,
            write=lambda chunk: write(handler, chunk),
            record_types=self._record_types,
            summary=self.context.summary,
            progress=progress,
        )

    def _record_types(self) -> None:
        record_types(self.connection, self.plan, self.entity, self.context.now)


def recorded_types(connection: Connection, entity: str) -> dict[str, str]:
    """The custom attribute types earlier imports fixed for `entity`, by name."""
    statement = select(DEFINITIONS.c.name, DEFINITIONS.c.type)
    return dict(connection.execute(statement.where(DEFINITIONS.c.entity == entity)).all())


def record_types(connection: Connection, plan: ColumnPlan, entity: str, now: datetime) -> None:
    """Fix the types of the plan's new attribute columns in attribute_definitions."""
    columns = plan.unrecorded()
    if not columns:
        return
    rows = [
        {"entity": entity, "name": column.name, "type": column.type, "created_at": now}
        for column in columns
    ]
    insert_rows(connection, DEFINITIONS, rows, ignore_conflicts=True)
    for column in columns:
        column.recorded = True
