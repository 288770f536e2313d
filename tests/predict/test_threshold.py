"""`leadflow model threshold` on a small demo world: the best line for a sales team's capacity."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadflow.cli.app import app
from leadflow.errors import InvalidInputError
from leadflow.predict.threshold import parse_capacity

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_db(demo_world: str) -> str:
    return demo_world


def _threshold(db: str, *args: str) -> dict:
    result = runner.invoke(app, ["model", "threshold", *args, "--format", "json", "--db", db])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_best_line_is_the_top_of_its_curve(demo_db: str) -> None:
    choice = _threshold(demo_db, "--capacity", "5/week")
    assert choice["score"].startswith("fit + engagement")
    best = choice["expected_sqls_per_week"]
    assert all(point["expected_sqls_per_week"] <= best for point in choice["curve"])
    assert any(point["line"] == choice["best_line"] for point in choice["curve"])
    lines = [point["line"] for point in choice["curve"]]
    volumes = [point["mqls_per_week"] for point in choice["curve"]]
    assert lines == sorted(lines, reverse=True) and volumes == sorted(volumes)


def test_unlimited_capacity_takes_every_sql_and_a_tiny_one_draws_a_high_line(demo_db) -> None:
    wide = _threshold(demo_db, "--capacity", "100000/week")
    assert wide["sqls"] > 0
    assert wide["expected_sqls_per_week"] == pytest.approx(wide["sqls"] / wide["weeks"], rel=0.01)
    narrow = _threshold(demo_db, "--capacity", "1/week")
    assert narrow["best_line"] > wide["best_line"]
    assert narrow["expected_sqls_per_week"] <= 1.0
    assert narrow["expected_sqls_per_week"] < wide["expected_sqls_per_week"]


def test_the_curve_is_drawn_to_a_file(demo_db: str, tmp_path: Path) -> None:
    chart = tmp_path / "line.html"
    result = runner.invoke(
        app, ["model", "threshold", "--capacity", "5/week", "--chart", str(chart), "--db", demo_db]
    )
    assert result.exit_code == 0, result.output
    assert "Expected SQLs a week" in chart.read_text(encoding="utf-8")


@pytest.mark.parametrize(("text", "per_week"), [("200/week", 200), ("40/day", 200), ("12", 12)])
def test_capacity_reads_as_leads_a_week(text: str, per_week: float) -> None:
    assert parse_capacity(text) == per_week


@pytest.mark.parametrize("text", ["lots", "0/week", "-3", "10/fortnight"])
def test_a_capacity_that_is_not_a_rate_is_refused(text: str) -> None:
    with pytest.raises(InvalidInputError, match="--capacity"):
        parse_capacity(text)


def test_bad_input_is_named(demo_db: str, tmp_path: Path) -> None:
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    result = runner.invoke(app, ["model", "threshold", "--capacity", "5/week", "--db", empty])
    assert result.exit_code == 1 and "no active scoring model" in result.output
    result = runner.invoke(
        app, ["model", "threshold", "--capacity", "5", "--from", "2090-01-01", "--db", demo_db]
    )
    assert result.exit_code == 1 and "no scored leads were created" in result.output
    result = runner.invoke(
        app,
        [
            "model",
            "threshold",
            "--capacity",
            "5",
            "--chart",
            str(tmp_path / "x.gif"),
            "--db",
            demo_db,
        ],
    )
    assert result.exit_code == 1 and "expected a .png or .html" in result.output
