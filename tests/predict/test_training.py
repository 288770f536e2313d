"""Training from the store: labels, refusals that write nothing, the registry, a fresh process."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select

from leadflow.config import Settings
from leadflow.errors import InvalidInputError
from leadflow.leads.models import AttributeDefinition
from leadflow.lifecycle.models import StageChange
from leadflow.lifecycle.stages import StageMachine
from leadflow.predict.dataset import TrainingDataError
from leadflow.predict.labels import label_window
from leadflow.predict.models import TrainedModel
from leadflow.predict.registry import export_model, import_model, load_model, record_model
from leadflow.predict.spec import FeatureSpec
from leadflow.predict.training import fit_and_record, train_model, training_set
from leadflow.scoring.catalog import store_schema
from leadflow.storage.database import create_store_engine, migrate, session_factory

HORIZON = timedelta(days=90)
SettingsFor = Callable[..., Settings]
FRESH_PROCESS = """
import json, sys
import pandas as pd
from leadflow.predict.registry import load_model
from leadflow.storage.database import create_store_engine, session_factory
engine = create_store_engine(sys.argv[1])
with session_factory(engine)() as session:
    model = load_model(session=session, version="p1")
rows = pd.read_pickle(sys.argv[2])
print(json.dumps(model.learner.predict_proba(rows)[:, 1].tolist()))
"""


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _models(engine: Engine) -> int:
    with session_factory(engine)() as session:
        return session.scalar(select(func.count()).select_from(TrainedModel)) or 0


def _train(engine: Engine, settings: Settings, as_of: datetime, **options: object) -> object:
    options = {"target": "sql", "learner": "logistic", "folds": 3} | options
    return train_model(engine=engine, settings=settings, horizon=HORIZON, as_of=as_of, **options)


def test_labels_count_only_a_target_reached_within_the_horizon(
    history: Engine, small_settings: SettingsFor, as_of: datetime
) -> None:
    data = training_set(
        engine=history,
        settings=small_settings(_url(history)),
        target="sql",
        horizon=HORIZON,
        as_of=as_of,
    )
    assert data.window.latest == as_of - HORIZON and len(data.window.times) == 6
    with history.connect() as connection:
        rows = connection.execute(
            select(StageChange.lead_id, StageChange.changed_at).where(StageChange.to_stage == "sql")
        ).all()
    reached = {lead_id: changed_at.astimezone(UTC) for lead_id, changed_at in rows}
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    frame = data.frame.assign(label=data.labels)
    assert 0 < frame["label"].sum() < len(frame)
    for lead_id, at_us, label in frame[["lead_id", "at_us", "label"]].itertuples(index=False):
        at = epoch + timedelta(microseconds=int(at_us))
        first = reached.get(lead_id)
        assert first is None or first > at, "a lead that had reached the target is no row"
        assert label == int(first is not None and first <= at + HORIZON)
    assert data.pending_leads > 0  # leads created in the last 90 days wait for their horizon


def test_a_model_trains_records_and_loads_in_a_fresh_process(
    history: Engine, small_settings: SettingsFor, as_of: datetime, tmp_path: Path
) -> None:
    settings = small_settings(_url(history))
    data = training_set(
        engine=history, settings=settings, target="sql", horizon=HORIZON, as_of=as_of
    )
    result = fit_and_record(
        engine=history, settings=settings, data=data, learner="logistic", folds=3
    )
    assert result.version == "p1" and not result.active
    # VPs and leads that asked for a demo convert: a model must find that out.
    assert result.roc_auc_kfold > 0.75
    with session_factory(history)() as session:
        record = session.get(TrainedModel, "p1")
        assert record is not None
        card = record.card
        model = load_model(session=session, version="p1")
    assert card["target_stages"] == ["sql", "opportunity", "customer"]
    assert card["metrics"]["kfold"]["n"] == result.rows
    assert {"scikit-learn", "lightgbm", "python"} <= card["libraries"].keys()
    assert "budget" in card["features"]["numeric"]
    rows = data.features.head(60)
    rows.to_pickle(tmp_path / "rows.pkl")
    here = model.learner.predict_proba(rows)[:, 1].tolist()
    out = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS, _url(history), str(tmp_path / "rows.pkl")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout) == here


def test_too_few_positives_is_refused_and_nothing_is_recorded(
    history: Engine, small_settings: SettingsFor, as_of: datetime
) -> None:
    settings = small_settings(_url(history), min_positives=100_000)
    with pytest.raises(TrainingDataError, match=r"found \d+ positives, at least 100000"):
        _train(history, settings, as_of)
    assert _models(history) == 0


def test_bad_targets_and_excludes_are_named_and_nothing_is_recorded(
    history: Engine, small_settings: SettingsFor, as_of: datetime
) -> None:
    settings = small_settings(_url(history))
    with pytest.raises(InvalidInputError, match="--target 'qualified': not a stage"):
        _train(history, settings, as_of, target="qualified")
    misspelt = small_settings(_url(history), exclude=["budgett"])
    with pytest.raises(InvalidInputError, match="exclude names unknown attributes: budgett"):
        _train(history, misspelt, as_of)
    # Nobody in this history became a customer: one class only.
    with pytest.raises(TrainingDataError, match="one class"):
        _train(history, settings, as_of, target="customer")
    assert _models(history) == 0


def test_a_model_from_another_feature_set_is_refused(
    history: Engine, small_settings: SettingsFor, as_of: datetime, tmp_path: Path
) -> None:
    _train(history, small_settings(_url(history)), as_of)
    exported = tmp_path / "p1.json"
    with session_factory(history)() as session:
        export_model(session=session, version="p1", path=exported)
    # Another store whose `budget` is text, not a number: the model cannot read it.
    other = create_store_engine(f"sqlite:///{tmp_path / 'other.db'}")
    migrate(other)
    with other.begin() as connection:
        connection.execute(
            insert(AttributeDefinition),
            [
                {"entity": "lead", "name": "budget", "type": "text"},
                {"entity": "lead", "name": "tier", "type": "text"},
            ],
        )
    expected = r"another feature set: it reads budget \(number, the store has text\)"
    with session_factory(other)() as session, pytest.raises(InvalidInputError, match=expected):
        import_model(session=session, path=exported, schema=store_schema(session=session))
    assert _models(other) == 0
    # The store it came from takes it back, as a new version.
    with session_factory(history).begin() as session:
        schema = store_schema(session=session)
        assert import_model(session=session, path=exported, schema=schema).version == "p2"


def test_the_label_window_names_the_stages_when_the_target_is_none_of_them(
    as_of: datetime,
) -> None:
    with pytest.raises(InvalidInputError, match="stages: lead, mql"):
        label_window(
            machine=StageMachine(),
            target="won",
            horizon=HORIZON,
            as_of=as_of,
            every=timedelta(days=30),
            count=3,
        )


def test_one_process_loads_each_stores_own_p1(tmp_path: Path) -> None:
    # Versions are numbered per store: p1 of one store must never answer for p1 of another.
    spec = FeatureSpec(categorical=(), numeric=(), boolean=(), event_types=("page_view",))
    learners = {}
    for name in ("a", "b"):
        engine = create_store_engine(f"sqlite:///{tmp_path / name}.db")
        migrate(engine)
        with session_factory(engine)() as session:
            record_model(
                session=session, kind="logistic", target="sql", spec=spec, card={}, learner=name
            )
            session.commit()
        learners[name] = engine
    for name, engine in learners.items():
        with session_factory(engine)() as session:
            assert load_model(session=session, version="p1").learner == name
        engine.dispose()
