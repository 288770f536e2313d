"""`leadflow model suggest`: a trained model written back as a rule model that validates."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from leadflow.cli.app import app
from leadflow.predict.scorecard import build_scorecard
from leadflow.predict.spec import FeatureSpec

runner = CliRunner()


@pytest.fixture(scope="module")
def trained(
    demo_world: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, dict[str, str]]:
    url = demo_world
    config = tmp_path_factory.mktemp("config") / "leadflow.toml"
    # A 400-lead world has a few dozen MQLs: enough to learn from once the floor is lowered.
    config.write_text("[scoring.predictive]\nmin_positives = 5\nmin_negatives = 5\n")
    env = {"LEADFLOW_CONFIG": str(config)}
    train = ["model", "train", "--target", "mql", "--learner", "logistic", "--db", url]
    result = runner.invoke(app, [*train, "--format", "json"], env=env)
    assert result.exit_code == 0, result.output
    return url, {**env, "version": json.loads(result.stdout)["version"]}


def test_the_suggested_file_validates_and_says_what_it_keeps(trained, tmp_path: Path) -> None:
    url, env = trained
    output = tmp_path / "scoring.yaml"
    args = ["model", "suggest", "--from", env["version"], "-o", str(output), "--format", "json"]
    result = runner.invoke(
        app,
        [*args, "--db", url],
        env={"LEADFLOW_CONFIG": env["LEADFLOW_CONFIG"]},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert 0.5 < summary["scorecard_auc"] <= 1 and 0.5 < summary["model_auc"] <= 1
    assert summary["auc_kept"] == pytest.approx(
        summary["scorecard_auc"] / summary["model_auc"], abs=1e-3
    )
    text = output.read_text(encoding="utf-8")
    rules = text.count("\n  - name:")
    assert rules == summary["rules"] > 0
    assert text.count(f"# from trained model {env['version']}") == rules
    validated = runner.invoke(app, ["model", "validate", str(output), "--db", url])
    assert validated.exit_code == 0, validated.output


def test_an_unknown_model_or_folder_is_refused(trained, tmp_path: Path) -> None:
    url, env = trained
    missing = runner.invoke(
        app, ["model", "suggest", "--from", "nope", "-o", str(tmp_path / "s.yaml"), "--db", url]
    )
    assert missing.exit_code == 1 and "nope" in missing.output
    assert not (tmp_path / "s.yaml").exists()
    nowhere = tmp_path / "no" / "s.yaml"
    result = runner.invoke(
        app, ["model", "suggest", "--from", env["version"], "-o", str(nowhere), "--db", url]
    )
    assert result.exit_code == 1 and "does not exist" in result.output


def test_the_scorecard_ranks_like_the_truth_it_was_fitted_on() -> None:
    rng = np.random.default_rng(0)
    n = 4000
    frame = pd.DataFrame(
        {
            "seniority": rng.choice(["vp", "manager", "student"], n).astype(object),
            "employees": rng.integers(1, 5000, n).astype(float),
            "is_free_email": rng.integers(0, 2, n).astype(float),
            "demo_request_decay_30d": rng.exponential(0.3, n),
        }
    )
    logit = (
        -1.5
        + 1.5 * (frame["seniority"] == "vp")
        - 1.0 * frame["is_free_email"]
        + 2.0 * frame["demo_request_decay_30d"]
    )
    labels = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    spec = FeatureSpec(("seniority",), ("employees",), ("is_free_email",), ("demo_request",))
    card = build_scorecard(frame, labels, spec, model_probabilities=1 / (1 + np.exp(-logit)))
    points = {rule.name: rule.points for rule in card.rules}
    assert points["seniority_vp"] > points.get("seniority_manager", 0)
    assert points["is_free_email"] < 0
    assert points["demo_request"] > 0
    assert card.scorecard_auc > card.model_auc - 0.02
    assert card.fit_bands[0] > card.fit_bands[1] > card.fit_bands[2]
