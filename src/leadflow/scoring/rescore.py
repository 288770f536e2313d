"""Rescoring every lead in batch, keeping each model version's scores side by side."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from leadflow.config import Settings, load_settings
from leadflow.errors import InvalidInputError
from leadflow.leads.models import Lead
from leadflow.lifecycle.stages import StageMachine
from leadflow.predict.scoring import with_batch_probabilities
from leadflow.scoring.batch import batch_scores
from leadflow.scoring.batch_inputs import (
    NO_EXPORTS,
    BatchInputs,
    ExportSources,
    duckdb_inputs,
    file_inputs,
    spark_inputs,
    store_inputs,
)
from leadflow.scoring.catalog import store_schema
from leadflow.scoring.export import write_scores
from leadflow.scoring.model import ScoringModel
from leadflow.scoring.models import ScoreRecord
from leadflow.scoring.realtime import score_row
from leadflow.scoring.scorer import Contribution, LeadScore
from leadflow.scoring.transitions import apply_transitions
from leadflow.storage.base import Base
from leadflow.storage.bulk import insert_rows
from leadflow.storage.database import session_factory

EngineKind = Literal["db", "duckdb", "spark"]
WRITE_BATCH = 5_000


@dataclass(frozen=True)
class RescoreSummary:
    """What a batch run did."""

    model_version: str
    engine: str
    as_of: datetime
    leads_scored: int
    mqls: int
    disqualified: int
    moved_to_mql: int
    moved_to_disqualified: int
    seconds: float


def batch_inputs(
    engine: Engine, kind: EngineKind, sources: ExportSources, settings: Settings
) -> BatchInputs:
    """Where the batch reads from: the store itself, DuckDB or Spark (over the store or files)."""
    if kind == "spark":
        return spark_inputs(engine, config=settings.spark, sources=sources)
    if kind == "duckdb":
        if sources.leads or sources.accounts:
            if not sources.activities:
                raise ValueError("--leads FILE on DuckDB needs --activities FILE too")
            return file_inputs(
                leads=_local(sources.leads),
                activities=_local(sources.activities),
                accounts=_local(sources.accounts),
            )
        return duckdb_inputs(engine, activity_files=_local(sources.activities))
    if sources:
        raise ValueError("--activities, --leads and --accounts need --engine duckdb or spark")
    return store_inputs(engine)


def _local(sources: tuple[str, ...]) -> list[Path]:
    uris = [source for source in sources if "://" in source]
    if uris:
        raise ValueError(f"{uris[0]}: DuckDB reads local files; URIs need --engine spark")
    paths = [Path(source) for source in sources]
    # A folder stands for the Parquet and CSV files in it.
    return [
        file
        for path in paths
        for file in (
            sorted(p for p in path.iterdir() if p.suffix.lower() in (".parquet", ".csv"))
            if path.is_dir()
            else [path]
        )
    ]


def rescore_all(
    *,
    engine: Engine,
    model: ScoringModel,
    as_of: datetime,
    kind: EngineKind = "db",
    sources: ExportSources = NO_EXPORTS,
    output: str | None = None,
    move_stages: bool,
    settings: Settings | None = None,
    progress: Callable[[int], None] | None = None,
) -> RescoreSummary:
    """Score every lead under `model` at `as_of`, replacing that version's scores only.

    With `move_stages` (the active model), leads still marketing's are disqualified or
    handed to sales as their new score says; stages never move backwards. With `output`
    (a folder), the scores go to Parquet files there instead, and the store is not changed.
    """
    settings = settings or load_settings()
    started = time.perf_counter()
    with session_factory(engine)() as session:
        schema = store_schema(session=session)
    if sources.leads and output is None:
        raise InvalidInputError(
            "scores of leads read from files go to --output DIR, not to the store"
        )
    try:
        inputs = batch_inputs(engine, kind, sources, settings)
    except ValueError as exc:
        # A missing file, a column an export lacks: said before anything is written.
        raise InvalidInputError(str(exc)) from exc
    # A trained model's probabilities first: the MQL criteria may read them.
    inputs = with_batch_probabilities(engine=engine, inputs=inputs, as_of=as_of, settings=settings)
    if output is not None:
        try:
            counts = write_scores(model, schema, inputs, as_of=as_of, output=output)
        except ValueError as exc:
            raise InvalidInputError(str(exc)) from exc
        return RescoreSummary(
            model_version=model.version,
            engine=inputs.backend,
            as_of=as_of,
            leads_scored=counts.leads,
            mqls=counts.mqls,
            disqualified=counts.disqualified,
            moved_to_mql=0,
            moved_to_disqualified=0,
            seconds=time.perf_counter() - started,
        )
    scored = mqls = disqualified = 0
    with engine.begin() as connection:
        table = Base.metadata.tables[ScoreRecord.__tablename__]
        connection.execute(delete(table).where(table.c.model_version == model.version))
        rows: list[dict] = []
        for lead_id, score in batch_scores(model, schema, inputs, as_of=as_of):
            rows.append(score_row(lead_id, score, as_of=as_of, state=None))
            scored += 1
            mqls += score.is_mql
            disqualified += score.disqualified_by is not None
            if len(rows) >= WRITE_BATCH:
                insert_rows(connection, table, rows)
                rows.clear()
                if progress:
                    progress(scored)
        insert_rows(connection, table, rows)
    moved = _move_stages(engine, model, as_of, settings) if move_stages else (0, 0)
    return RescoreSummary(
        model_version=model.version,
        engine=inputs.backend,
        as_of=as_of,
        leads_scored=scored,
        mqls=mqls,
        disqualified=disqualified,
        moved_to_mql=moved[0],
        moved_to_disqualified=moved[1],
        seconds=time.perf_counter() - started,
    )


def stored_score(record: ScoreRecord) -> LeadScore:
    """A stored score back as the domain object."""
    return LeadScore(
        fit=record.fit,
        engagement=record.engagement,
        grade=record.grade,
        fit_band=record.fit_band,
        engagement_band=record.engagement_band,
        model_version=record.model_version,
        disqualified_by=record.disqualified_by,
        is_mql=record.is_mql,
        explanation=tuple(Contribution(rule, points) for rule, points in record.explanation),
    )


def _move_stages(
    engine: Engine, model: ScoringModel, as_of: datetime, settings: Settings
) -> tuple[int, int]:
    machine = StageMachine(settings.lifecycle)
    marketing_stages = [machine.name("lead"), machine.name("nurture")]
    to_mql = to_disqualified = 0
    with session_factory(engine)() as session:
        candidates = _candidates(session, model.version, marketing_stages)
    for lead_id in candidates:
        with session_factory(engine).begin() as session:
            lead = session.get(Lead, lead_id)
            record = session.get(ScoreRecord, (lead_id, model.version))
            if lead is None or record is None:
                continue
            moved = apply_transitions(
                session=session, lead=lead, score=stored_score(record), at=as_of, settings=settings
            )
            to_mql += moved == machine.name("mql")
            to_disqualified += moved == machine.name("disqualified")
    return to_mql, to_disqualified


def _candidates(session: Session, version: str, stages: list[str]) -> list[int]:
    moving = ScoreRecord.is_mql.is_(True) | ScoreRecord.disqualified_by.is_not(None)
    return list(
        session.scalars(
            select(Lead.id)
            .join(ScoreRecord, ScoreRecord.lead_id == Lead.id)
            .where(ScoreRecord.model_version == version, Lead.stage.in_(stages), moving)
            .order_by(Lead.id)
        )
    )
