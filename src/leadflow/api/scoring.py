"""`/model`: the scoring model's versions; anyone reads and validates, admins record and
activate (activating rescores every lead before it answers)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from leadflow.api.audit import AuditorDep
from leadflow.api.deps import ADMIN_ONLY, EngineDep, PrincipalDep, SessionDep, SettingsDep
from leadflow.api.errors import RequestProblem, problem_responses
from leadflow.audit.service import Auditor
from leadflow.errors import NotFoundError
from leadflow.scoring import versions
from leadflow.scoring.catalog import store_schema
from leadflow.scoring.errors import ScoringModelError
from leadflow.scoring.model import ScoringModel
from leadflow.scoring.model_file import parse_model
from leadflow.scoring.models import ModelVersion
from leadflow.scoring.service import activate_version
from leadflow.storage.base import utcnow
from leadflow.storage.database import session_factory
from leadflow.users.schemas import storable

router = APIRouter(prefix="/model", tags=["scoring model"])

# How errors in a model sent over the API are located: `text:LINE:COLUMN: reason`.
TEXT_FIELD = "text"
VersionPath = Annotated[
    str, Path(min_length=1, max_length=64, pattern=r"^[^\x00]*$", description="A version.")
]
# Model files are a few KB; the cap keeps the longest text (JSON-escaped, 6 bytes a
# character) within the default body limit, so it is refused as 422 rather than 413.
ModelText = Annotated[str, storable(100_000, 1)]


class ModelSource(BaseModel):
    """A scoring model file's text (YAML), as `docs/scoring.md` describes it."""

    model_config = ConfigDict(extra="forbid")

    text: ModelText = Field(description="The model file's YAML text.")


class ModelVersionCreate(ModelSource):
    """A new version to record, and whether to put it in force at once."""

    activate: bool = Field(default=False, description="Activate it and rescore every lead.")


class ModelVersionSummary(BaseModel):
    """A recorded version, without its text."""

    model_config = ConfigDict(from_attributes=True)

    version: str
    name: str
    checksum: str
    active: bool = Field(validation_alias="is_active")
    created_at: datetime
    activated_at: datetime | None
    source_file: str | None = Field(description="The file or API user it was recorded from.")


class ModelVersionRead(ModelVersionSummary):
    """A recorded version with its model file, exactly as recorded."""

    text: str = Field(validation_alias="source")


class ModelProblem(BaseModel):
    """Where a model file is wrong, and why."""

    line: int
    column: int
    reason: str
    excerpt: str | None = Field(description="The line at fault.")


class ModelCheck(BaseModel):
    """The checker's verdict on a model file; nothing is recorded."""

    valid: bool
    name: str | None = None
    version: str | None = None
    fit_rules: int = 0
    engagement_rules: int = 0
    disqualify_rules: int = 0
    errors: list[ModelProblem] = Field(default_factory=list)


class Rescore(BaseModel):
    """What rescoring every lead under the activated version did."""

    model_version: str
    engine: str
    as_of: datetime
    leads_scored: int
    mqls: int
    disqualified: int
    moved_to_mql: int
    moved_to_disqualified: int
    seconds: float


class ModelChange(BaseModel):
    """A version recorded or activated, and the rescoring it caused (null if none)."""

    model: ModelVersionRead
    rescore: Rescore | None


def _active(session: SessionDep) -> ModelVersion:
    record = versions.active_version(session=session)
    if record is None:
        raise NotFoundError("no active scoring model yet: an admin activates one")
    return record


def _parse(session: SessionDep, text: str) -> ScoringModel:
    return parse_model(text, file=TEXT_FIELD, schema=store_schema(session=session))


def _activate(
    engine: EngineDep, settings: SettingsDep, version: str, auditor: Auditor
) -> ModelChange:
    summary = activate_version(
        engine=engine, settings=settings, version=version, as_of=utcnow(), auditor=auditor
    )
    with session_factory(engine)() as session:
        record = versions.get_version(session=session, version=version)
    return ModelChange(
        model=ModelVersionRead.model_validate(record), rescore=Rescore(**asdict(summary))
    )


@router.get("", summary="The active model", responses=problem_responses(404))
def get_active_model(session: SessionDep) -> ModelVersionRead:
    """The version in force, with its model file; 404 before any was activated."""
    return ModelVersionRead.model_validate(_active(session))


@router.get("/versions", summary="List model versions")
def list_model_versions(session: SessionDep) -> list[ModelVersionSummary]:
    """Every recorded version, newest first."""
    return [ModelVersionSummary.model_validate(v) for v in versions.list_versions(session=session)]


@router.get("/versions/{version}", summary="Get a model version", responses=problem_responses(404))
def get_model_version(version: VersionPath, session: SessionDep) -> ModelVersionRead:
    """One recorded version with its model file."""
    return ModelVersionRead.model_validate(versions.get_version(session=session, version=version))


@router.post("/validate", summary="Check a model file")
def validate_model(source: ModelSource, session: SessionDep) -> ModelCheck:
    """Check a model file against the store's attributes and events; nothing is recorded.
    A wrong file is answered 200 with `valid: false` and where it is wrong."""
    try:
        model = _parse(session, source.text)
    except ScoringModelError as exc:
        problem = ModelProblem(
            line=exc.line, column=exc.column, reason=exc.reason, excerpt=exc.excerpt
        )
        return ModelCheck(valid=False, errors=[problem])
    return ModelCheck(
        valid=True,
        name=model.name,
        version=model.version,
        fit_rules=len(model.fit_rules),
        engagement_rules=len(model.engagement_rules),
        disqualify_rules=len(model.disqualify_rules),
    )


@router.post(
    "/versions",
    status_code=201,
    summary="Record a model version",
    dependencies=[ADMIN_ONLY],
    responses=problem_responses(403),
)
def create_model_version(
    new: ModelVersionCreate,
    session: SessionDep,
    principal: PrincipalDep,
    engine: EngineDep,
    settings: SettingsDep,
    auditor: AuditorDep,
) -> ModelChange:
    """Record a version (the same text again changes nothing; other rules under a recorded
    version are refused) and, with `activate`, put it in force and rescore every lead."""
    try:
        model = _parse(session, new.text)
    except ScoringModelError as exc:
        raise RequestProblem(422, str(exc), field=TEXT_FIELD) from exc
    record = versions.record_version(
        session=session,
        model=model,
        source=new.text,
        source_file=f"api: {principal.user.email}",
        auditor=auditor,
    )
    if not new.activate:
        return ModelChange(model=ModelVersionRead.model_validate(record), rescore=None)
    # Rescoring runs in transactions of its own, which must see the recorded version.
    session.commit()
    return _activate(engine, settings, model.version, auditor)


@router.post(
    "/versions/{version}/activate",
    summary="Activate a model version",
    dependencies=[ADMIN_ONLY],
    responses=problem_responses(403, 404),
)
def activate_model_version(
    version: VersionPath,
    session: SessionDep,
    engine: EngineDep,
    settings: SettingsDep,
    auditor: AuditorDep,
) -> ModelChange:
    """Put a recorded version in force and rescore every lead with it before answering; the
    previous version's scores are kept, stages never move back."""
    versions.get_version(session=session, version=version)
    # End the request's transaction (the key's last use) before rescoring writes in its own.
    session.commit()
    return _activate(engine, settings, version, auditor)
