"""`leadflow model backtest` on a small demo world: a candidate replayed beside the active model."""

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadflow.cli.app import app

runner = CliRunner()


@pytest.fixture(scope="module")
def demo(demo_world: str) -> tuple[str, str]:
    url = demo_world
    shown = runner.invoke(app, ["model", "show", "--db", url])
    return url, shown.stdout


def _candidate(folder: Path, active: str, version: str, criteria: str | None = None) -> Path:
    text = re.sub(r"(?m)^version: .*$", f'version: "{version}"', active)
    if criteria is not None:
        text = re.sub(r"(?ms)^mql_criteria: >\n(  .*?\n)+", f"mql_criteria: {criteria}\n", text)
    path = folder / f"{version}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _backtest(db: str, path: Path, *args: str) -> dict:
    result = runner.invoke(
        app, ["model", "backtest", "--scoring", str(path), *args, "--format", "json", "--db", db]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_active_model_as_candidate_changes_nothing(demo, tmp_path: Path) -> None:
    db, active = demo
    same = _backtest(db, _candidate(tmp_path, active, "same"))
    for key in ("mqls", "mql_to_sql_rate", "customers_caught", "share_of_customers_caught"):
        assert same["candidate"][key] == same["active"][key]
    assert same["active"]["mqls"] > 0
    if same["customers_caught_by_both"]:
        assert same["median_days_earlier"] == 0


def test_a_looser_line_catches_more_and_earlier_a_stricter_one_fewer(demo, tmp_path) -> None:
    db, active = demo
    loose = _backtest(db, _candidate(tmp_path, active, "loose", "engagement >= 1"))
    strict = _backtest(db, _candidate(tmp_path, active, "strict", "grade = 'A1'"))
    assert loose["candidate"]["mqls"] > loose["active"]["mqls"]
    assert loose["candidate"]["customers_caught"] >= loose["active"]["customers_caught"]
    if loose["customers_caught_by_both"]:
        assert loose["median_days_earlier"] >= 0
    assert strict["candidate"]["mqls"] < strict["active"]["mqls"]
    assert strict["candidate"]["mqls_per_week"] == pytest.approx(
        strict["candidate"]["mqls"] / strict["weeks"], abs=0.01
    )


def test_the_period_narrows_what_is_counted(demo, tmp_path: Path) -> None:
    db, active = demo
    path = _candidate(tmp_path, active, "same")
    whole = _backtest(db, path)
    early = _backtest(db, path, "--to", whole["from"][:10])
    assert early["active"]["mqls"] == 0 and early["active"]["customers"] == 0


def test_bad_input_is_named(demo, tmp_path: Path) -> None:
    db, active = demo
    result = runner.invoke(
        app, ["model", "backtest", "--scoring", str(tmp_path / "none.yaml"), "--db", db]
    )
    assert result.exit_code == 1 and "cannot read scoring model" in result.output
    broken = _candidate(tmp_path, active, "broken", "grade ==== 'A1'")
    result = runner.invoke(app, ["model", "backtest", "--scoring", str(broken), "--db", db])
    assert result.exit_code == 1 and "mql_criteria" in result.output
    same = _candidate(tmp_path, active, "same")
    result = runner.invoke(
        app, ["model", "backtest", "--scoring", str(same), "--from", "soon", "--db", db]
    )
    assert result.exit_code == 1 and "--from 'soon'" in result.output
