"""Scoring with the active trained model: batch and real time agree to the last bit, the
MQL criteria read `conversion_probability`, and a lead shows its probability and factors."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select
from typer.testing import CliRunner

from leadflow.cli.app import app
from leadflow.config import Settings
from leadflow.leads.models import Lead
from leadflow.predict.models import LeadPrediction
from leadflow.predict.registry import activate_model
from leadflow.predict.training import fit_and_record, training_set
from leadflow.scoring.models import ScoreRecord
from leadflow.scoring.realtime import rescore_leads
from leadflow.scoring.service import score_everyone
from leadflow.scoring.versions import active_version, model_of
from leadflow.storage.database import session_factory

RULES = """
name: probability line
version: r-{n}
fit_rules:
  - {{name: vp, when: "seniority = 'vp'", points: 10}}
engagement_rules:
  - {{name: pages, event: page_view, points: 1, half_life: 30d}}
fit_bands: {{A: 10, B: 5, C: 1}}
engagement_bands: {{1: 10, 2: 5, 3: 1}}
mql_criteria: "conversion_probability >= 0.3 and fit >= 0"
"""
SettingsFor = Callable[..., Settings]


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _train(engine: Engine, settings: Settings, as_of: datetime) -> str:
    data = training_set(
        engine=engine, settings=settings, target="sql", horizon=timedelta(days=90), as_of=as_of
    )
    result = fit_and_record(
        engine=engine, settings=settings, data=data, learner="logistic", folds=3
    )
    return result.version


def _rules(tmp_path: Path, n: int = 1) -> Path:
    path = tmp_path / f"rules-{n}.yaml"
    path.write_text(RULES.format(n=n), encoding="utf-8")
    return path


def _probabilities(engine: Engine) -> dict[int, float]:
    with session_factory(engine)() as session:
        rows = session.execute(
            select(LeadPrediction.lead_id, LeadPrediction.conversion_probability)
        )
        return {lead: value for lead, value in rows}


def _mqls(engine: Engine, version: str) -> dict[int, bool]:
    with session_factory(engine)() as session:
        rows = session.execute(
            select(ScoreRecord.lead_id, ScoreRecord.is_mql).where(
                ScoreRecord.model_version == version
            )
        )
        return {lead: value for lead, value in rows}


def test_batch_and_real_time_give_the_same_probability_and_the_criteria_read_it(
    history: Engine, small_settings: SettingsFor, as_of: datetime, tmp_path: Path
) -> None:
    settings = small_settings(_url(history))
    version = _train(history, settings, as_of)
    # No trained model active yet: the probability is missing, so no lead meets the line.
    score_everyone(
        engine=history,
        settings=settings,
        model_file=_rules(tmp_path),
        make_active=True,
        as_of=as_of,
        kind="duckdb",
    )
    assert not any(_mqls(history, "r-1").values())
    with session_factory(history).begin() as session:
        activate_model(session=session, version=version)
    score_everyone(
        engine=history,
        settings=settings,
        model_file=_rules(tmp_path, 2),
        make_active=True,
        as_of=as_of,
        kind="duckdb",
    )
    batch = _probabilities(history)
    assert len(batch) == 500 and len(set(batch.values())) > 50
    mqls = _mqls(history, "r-2")
    assert any(mqls.values())
    assert mqls == {lead: p >= 0.3 for lead, p in batch.items()}
    with session_factory(history).begin() as session:
        rule_model = model_of(session=session, record=active_version(session=session))
        leads = session.scalars(select(Lead).order_by(Lead.id)).all()
        rescored = rescore_leads(
            session=session,
            leads=leads,
            model=rule_model,
            new_activities={},
            at=as_of,
            settings=settings,
        )
    assert _probabilities(history) == batch
    assert {lead: r.score.is_mql for lead, r in rescored.items()} == mqls


def test_a_lead_shows_its_probability_band_and_factors(
    history: Engine, small_settings: SettingsFor, as_of: datetime, tmp_path: Path
) -> None:
    url = _url(history)
    settings = small_settings(url)
    version = _train(history, settings, as_of)
    with session_factory(history).begin() as session:
        activate_model(session=session, version=version)
    score_everyone(
        engine=history,
        settings=settings,
        model_file=_rules(tmp_path),
        make_active=True,
        as_of=as_of,
        kind="duckdb",
    )
    result = CliRunner().invoke(app, ["leads", "show", "1", "--format", "json", "--db", url])
    assert result.exit_code == 0, result.output
    prediction = json.loads(result.output)["prediction"]
    stored = _probabilities(history)[1]
    assert prediction["conversion_probability"] == stored
    assert prediction["band"] in "ABCD" and prediction["model_version"] == version
    factors = prediction["top_positive"] + prediction["top_negative"]
    assert factors and all(f["feature"] for f in factors)
    assert all(f["contribution"] > 0 for f in prediction["top_positive"])
    assert all(f["contribution"] < 0 for f in prediction["top_negative"])
