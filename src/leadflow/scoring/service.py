"""Which scoring model is in force, and running it over every lead."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from leadflow.audit.service import Auditor
from leadflow.config import Settings
from leadflow.errors import InvalidInputError
from leadflow.scoring.batch_inputs import NO_EXPORTS, ExportSources
from leadflow.scoring.model import ScoringModel
from leadflow.scoring.rescore import EngineKind, RescoreSummary, rescore_all
from leadflow.scoring.versions import (
    activate,
    active_version,
    model_of,
    read_model_file,
    record_version,
)
from leadflow.storage.database import session_factory


@dataclass(frozen=True)
class ChosenModel:
    """The model a run uses, and whether it is the active one (only that one moves stages)."""

    model: ScoringModel
    is_active: bool


def choose_model(
    *,
    engine: Engine,
    settings: Settings,
    model_file: Path | None,
    make_active: bool,
    auditor: Auditor | None = None,
) -> ChosenModel:
    """The model file given (recorded, and activated if asked or if none is active yet),
    else the active version, else the configured `scoring_model` file."""
    path = model_file
    with session_factory(engine).begin() as session:
        current = active_version(session=session)
        if path is None and current is not None and not make_active:
            return ChosenModel(model_of(session=session, record=current), is_active=True)
        path = path or settings.scoring_model
        if path is None:
            raise InvalidInputError(
                "no scoring model yet: pass --model FILE, or set scoring_model in leadflow.toml "
                "(`leadflow init` writes a starter scoring.yaml)"
            )
        model, text = read_model_file(session=session, path=Path(path))
        record_version(
            session=session, model=model, source=text, source_file=str(path), auditor=auditor
        )
        becomes_active = make_active or current is None or current.version == model.version
        if becomes_active:
            activate(session=session, version=model.version, auditor=auditor)
    return ChosenModel(model, is_active=becomes_active)


def score_everyone(
    *,
    engine: Engine,
    settings: Settings,
    model_file: Path | None = None,
    make_active: bool = False,
    as_of: datetime,
    kind: EngineKind = "db",
    sources: ExportSources = NO_EXPORTS,
    output: str | None = None,
    progress: Callable[[int], None] | None = None,
    auditor: Auditor | None = None,
) -> RescoreSummary:
    """Rescore every lead in batch; stages move only under the active model, and only when
    the scores go to the store (not to an `output` folder)."""
    chosen = choose_model(
        engine=engine,
        settings=settings,
        model_file=model_file,
        make_active=make_active,
        auditor=auditor,
    )
    return rescore_all(
        engine=engine,
        model=chosen.model,
        as_of=as_of,
        kind=kind,
        sources=sources,
        output=output,
        move_stages=chosen.is_active,
        settings=settings,
        progress=progress,
    )


def activate_version(
    *,
    engine: Engine,
    settings: Settings,
    version: str,
    as_of: datetime,
    auditor: Auditor | None = None,
) -> RescoreSummary:
    """Make a recorded version the one in force and rescore every lead with it, as
    `leadflow model activate` does for a file; stages move only forward."""
    with session_factory(engine).begin() as session:
        record = activate(session=session, version=version, auditor=auditor)
        model = model_of(session=session, record=record)
    return rescore_all(engine=engine, model=model, as_of=as_of, move_stages=True, settings=settings)
