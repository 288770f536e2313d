"""Scoring model versions in the store: record, activate, look up; every score names one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from leadflow.audit import service as audit
from leadflow.audit.service import Auditor
from leadflow.errors import InvalidInputError, NotFoundError
from leadflow.scoring.catalog import store_schema
from leadflow.scoring.model import ScoringModel
from leadflow.scoring.model_file import parse_model
from leadflow.scoring.models import ModelVersion
from leadflow.storage.base import utcnow


def read_model_file(*, session: Session, path: Path) -> tuple[ScoringModel, str]:
    """Parse and check a model file against what the store knows; the model and its text."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(f"cannot read scoring model {path}: {exc.strerror}") from exc
    return parse_model(text, file=str(path), schema=store_schema(session=session)), text


def record_version(
    *,
    session: Session,
    model: ScoringModel,
    source: str,
    source_file: str | None = None,
    auditor: Auditor | None = None,
) -> ModelVersion:
    """Keep this version's text; a version already kept must have the same content."""
    existing = session.get(ModelVersion, model.version)
    if existing is not None:
        if existing.checksum != model.checksum:
            raise InvalidInputError(
                f"scoring model version {model.version!r} is already recorded with different "
                "rules; give the changed file a new `version`"
            )
        return existing
    record = ModelVersion(
        version=model.version,
        name=model.name,
        checksum=model.checksum,
        source=source,
        source_file=source_file,
    )
    session.add(record)
    session.flush()
    audit.record(
        session=session,
        auditor=auditor,
        action="model.recorded",
        subject=model.version,
        details={"name": model.name, "checksum": model.checksum, "source": source_file},
    )
    return record


def activate(
    *, session: Session, version: str, at: datetime | None = None, auditor: Auditor | None = None
) -> ModelVersion:
    """Make `version` the one real-time scoring uses; the previous one stays for comparison."""
    record = get_version(session=session, version=version)
    if not record.is_active:
        audit.record(session=session, auditor=auditor, action="model.activated", subject=version)
    session.execute(update(ModelVersion).values(is_active=False))
    record.is_active = True
    record.activated_at = at or utcnow()
    session.flush()
    return record


def get_version(*, session: Session, version: str) -> ModelVersion:
    """The recorded version; NotFoundError lists the known ones."""
    record = session.get(ModelVersion, version)
    if record is None:
        known = ", ".join(v.version for v in list_versions(session=session)) or "none yet"
        raise NotFoundError(f"no scoring model version {version!r} (recorded: {known})")
    return record


def list_versions(*, session: Session) -> Sequence[ModelVersion]:
    """Every recorded version, newest first."""
    return session.scalars(select(ModelVersion).order_by(ModelVersion.created_at.desc())).all()


def active_version(*, session: Session) -> ModelVersion | None:
    """The version in force, or None before any model was activated."""
    return session.scalars(select(ModelVersion).where(ModelVersion.is_active.is_(True))).first()


_parsed: dict[str, ScoringModel] = {}


def model_of(*, session: Session, record: ModelVersion) -> ScoringModel:
    """The parsed model a recorded version holds; parsed once per process and content."""
    model = _parsed.get(record.checksum)
    if model is None:
        model = parse_model(
            record.source,
            file=record.source_file or f"scoring model version {record.version}",
            schema=store_schema(session=session),
        )
        _parsed[record.checksum] = model
    return model
