"""`leadflow model train|list|show|activate|export|import` through the real command tree."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from leadflow.cli.app import app
from leadflow.predict.models import LeadPrediction, TrainedModel
from leadflow.storage.database import session_factory

runner = CliRunner()


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_a_model_is_trained_listed_shown_and_activated(
    history: Engine, as_of: datetime, tmp_path: Path
) -> None:
    url = history.url.render_as_string(hide_password=False)
    config = tmp_path / "leadflow.toml"
    config.write_text(
        "[scoring.predictive]\nmin_positives = 20\nmin_negatives = 20\nmax_snapshots = 6\n"
    )
    env = {"LEADFLOW_CONFIG": str(config)}
    common = ("--db", url)
    code, out = _run(
        "model",
        "train",
        "--target",
        "sql",
        "--horizon",
        "90d",
        "--as-of",
        as_of.isoformat(),
        "--learner",
        "logistic",
        "--folds",
        "3",
        "--format",
        "json",
        *common,
        env=env,
    )
    assert code == 0, out
    trained = json.loads(out)
    assert trained["version"] == "p1" and trained["positives"] >= 20
    code, out = _run("model", "list", "--format", "json", *common, env=env)
    assert code == 0, out
    assert [row["version"] for row in json.loads(out) if row["kind"] == "logistic"] == ["p1"]
    code, out = _run("model", "show", "p1", "--format", "json", *common, env=env)
    card = json.loads(out)
    assert card["metrics"]["kfold"]["roc_auc"] == trained["roc_auc_kfold"]
    code, out = _run("model", "show", "p1", *common, env=env)
    assert code == 0 and "Calibration" in out and "predicts" in out
    code, out = _run(
        "model",
        "activate",
        "p1",
        "--as-of",
        as_of.isoformat(),
        "--format",
        "json",
        *common,
        env=env,
    )
    assert code == 0, out
    assert json.loads(out)["leads_predicted"] == 500
    with session_factory(history)() as session:
        assert session.scalar(select(func.count()).select_from(LeadPrediction)) == 500
        assert session.get(TrainedModel, "p1").is_active


def test_bad_options_are_named_and_nothing_is_recorded(history: Engine) -> None:
    url = history.url.render_as_string(hide_password=False)
    code, out = _run("model", "train", "--horizon", "ninety", "--db", url)
    assert code == 1 and "--horizon 'ninety'" in out
    code, out = _run("model", "train", "--target", "won", "--db", url)
    assert code == 1 and "--target 'won': not a stage" in out
    code, out = _run("model", "train", "--db", url)  # default minimum: 100 of each
    assert code == 1 and "at least 100 are needed" in out
    with session_factory(history)() as session:
        assert session.scalar(select(func.count()).select_from(TrainedModel)) == 0
