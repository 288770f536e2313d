"""Trained models in the store: record, activate, load, export and import; one table.

A model is its card (JSON: features, metrics, data window, library versions) and its fitted
estimator as joblib bytes, both in the `predictive_models` row, so any process that reaches
the database can score with it. A model is only ever loaded against the features the store
can build: one that reads attributes the store does not have is refused by name.
"""

from __future__ import annotations

import base64
import io
import json
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import joblib
import lightgbm
import numpy
import sklearn
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from leadflow.errors import InvalidInputError, NotFoundError
from leadflow.predict.models import TrainedModel
from leadflow.predict.spec import FeatureSpec
from leadflow.scoring.catalog import store_schema
from leadflow.scoring.language import Schema, ValueType
from leadflow.storage.base import utcnow

FILE_FORMAT = "leadflow-trained-model/1"


@dataclass(frozen=True)
class LoadedModel:
    """A trained model ready to score: its version, card, feature spec and estimator."""

    version: str
    card: dict[str, Any]
    spec: FeatureSpec
    learner: Any

    @property
    def numeric(self) -> list[str]:
        """The columns the estimator reads as numbers (all but the categorical ones)."""
        return self.spec.columns[len(self.spec.categorical) :]


def library_versions() -> dict[str, str]:
    """The versions a model was trained with, kept on its card."""
    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "lightgbm": lightgbm.__version__,
        "numpy": numpy.__version__,
        "joblib": joblib.__version__,
    }


def _dump(learner: Any) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(learner, buffer)
    return buffer.getvalue()


def record_model(
    *,
    session: Session,
    kind: str,
    target: str,
    spec: FeatureSpec,
    card: dict[str, Any],
    learner: Any,
) -> TrainedModel:
    """Keep a trained model under the next version number (`p1`, `p2`...); not active yet."""
    count = session.scalar(select(func.count()).select_from(TrainedModel)) or 0
    version = f"p{count + 1}"
    while session.get(TrainedModel, version) is not None:
        count += 1
        version = f"p{count + 1}"
    record = TrainedModel(
        version=version,
        kind=kind,
        target=target,
        feature_fingerprint=spec.fingerprint,
        card={**card, "version": version, "features": spec.to_card()},
        artifact=_dump(learner),
    )
    session.add(record)
    session.flush()
    return record


def get_model(*, session: Session, version: str) -> TrainedModel:
    """The recorded trained model; NotFoundError lists the known ones."""
    record = session.get(TrainedModel, version)
    if record is None:
        known = ", ".join(m.version for m in list_models(session=session)) or "none yet"
        raise NotFoundError(f"no trained model {version!r} (trained: {known})")
    return record


def list_models(*, session: Session) -> Sequence[TrainedModel]:
    """Every trained model, newest first."""
    order = (TrainedModel.created_at.desc(), TrainedModel.version.desc())
    return session.scalars(select(TrainedModel).order_by(*order)).all()


def active_model(*, session: Session) -> TrainedModel | None:
    """The trained model in force, or None."""
    statement = select(TrainedModel).where(TrainedModel.is_active.is_(True))
    return session.scalars(statement).first()


def activate_model(*, session: Session, version: str, at: datetime | None = None) -> TrainedModel:
    """Make `version` the trained model that scores leads; the rule model is unaffected."""
    record = get_model(session=session, version=version)
    session.execute(update(TrainedModel).values(is_active=False))
    record.is_active = True
    record.activated_at = at or utcnow()
    session.flush()
    return record


# Versions (p1, p2...) are numbered per store, so a loaded model is known by the store it came
# from, its version and when it was recorded: one process may reach several stores (tests,
# a demo rebuilt in place) and a rebuilt store numbers its models from p1 again.
_loaded: dict[tuple[str, str, datetime], LoadedModel] = {}


def load_model(*, session: Session, version: str, schema: Schema | None = None) -> LoadedModel:
    """The recorded model, checked against what the store can build (`schema`, default the
    store's) when first loaded; kept loaded for the rest of the process."""
    recorded = session.scalar(
        select(TrainedModel.created_at).where(TrainedModel.version == version)
    )
    key = (session.get_bind().url.render_as_string(), version, recorded)
    if recorded is not None and key in _loaded:
        return _loaded[key]
    record = get_model(session=session, version=version)
    spec = FeatureSpec.from_card(record.card["features"])
    check_spec(spec, schema or store_schema(session=session), what=f"trained model {version}")
    learner = joblib.load(io.BytesIO(record.artifact))
    loaded = LoadedModel(version, dict(record.card), spec, learner)
    _loaded[(key[0], version, record.created_at)] = loaded
    return loaded


def check_spec(spec: FeatureSpec, schema: Schema, *, what: str) -> None:
    """Refuse a feature spec that reads attributes the store lacks or types differently."""
    expected = {name: ValueType.TEXT for name in spec.categorical}
    expected |= {name: ValueType.NUMBER for name in spec.numeric}
    expected |= {name: ValueType.BOOLEAN for name in spec.boolean}
    problems = [
        f"{name} ({kind.value}, the store has "
        f"{schema.attributes[name].value if name in schema.attributes else 'no such attribute'})"
        for name, kind in expected.items()
        if schema.attributes.get(name) != kind
    ]
    if problems:
        raise InvalidInputError(
            f"{what} was trained on another feature set: it reads {'; '.join(problems)}. "
            "Train a new model on this store (`leadflow model train`)."
        )


def export_model(*, session: Session, version: str, path: Path) -> None:
    """Write a model (card and estimator) to one file that `import_model` reads back."""
    record = get_model(session=session, version=version)
    document = {
        "format": FILE_FORMAT,
        "kind": record.kind,
        "target": record.target,
        "card": record.card,
        "artifact": base64.b64encode(record.artifact).decode("ascii"),
    }
    path.write_text(json.dumps(document), encoding="utf-8")


def import_model(*, session: Session, path: Path, schema: Schema) -> TrainedModel:
    """Record a model exported by `export_model`, if this store can build its features.

    The card is read (as JSON) and checked before the estimator is unpickled; unpickling
    runs code, so import only files you trust, as with any joblib file.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInputError(f"{path}: not a readable trained model file ({exc})") from exc
    if not isinstance(document, dict) or document.get("format") != FILE_FORMAT:
        raise InvalidInputError(f"{path}: not a leadflow trained model file")
    try:
        spec = FeatureSpec.from_card(document["card"]["features"])
        artifact = base64.b64decode(document["artifact"], validate=True)
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInputError(f"{path}: the model file is incomplete ({exc})") from exc
    check_spec(spec, schema, what=str(path))
    learner = joblib.load(io.BytesIO(artifact))
    card = {k: v for k, v in document["card"].items() if k not in ("version", "features")}
    card["imported_from"] = str(path)
    return record_model(
        session=session,
        kind=document["kind"],
        target=document["target"],
        spec=spec,
        card=card,
        learner=learner,
    )
