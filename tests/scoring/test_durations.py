"""Durations in conditions and model files: absurd ones are refused where they are written
(file:line:col), never a traceback; every accepted one leaves time arithmetic in range."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from leadflow.cli.app import app
from leadflow.scoring.errors import ScoringModelError
from leadflow.scoring.language import parse_duration
from leadflow.scoring.language.durations import MAX_DURATION
from leadflow.scoring.model_file import parse_model, starter_model_text

runner = CliRunner()
ABSURD = "99999999999999999999d"


@given(count=st.integers(min_value=0, max_value=10**40), unit=st.sampled_from("smhdw"))
def test_a_duration_is_within_a_century_or_refused(count: int, unit: str) -> None:
    duration = parse_duration(f"{count}{unit}")
    if duration is None:
        return
    assert timedelta(0) < duration <= MAX_DURATION
    assert datetime(101, 1, 1, tzinfo=UTC) - duration >= datetime(1, 1, 1, tzinfo=UTC)


def test_the_longest_duration_is_taken_and_one_more_day_is_not() -> None:
    assert parse_duration("36500d") == MAX_DURATION
    assert parse_duration("5214w") == timedelta(weeks=5214)
    assert parse_duration("36501d") is None
    assert parse_duration("5215w") is None


def _located(text: str, needle: str) -> tuple[int, int]:
    line = next(i for i, row in enumerate(text.splitlines(), 1) if needle in row)
    return line, text.splitlines()[line - 1].index(needle) + 1


@pytest.mark.parametrize(
    ("original", "absurd", "needle"),
    [
        ("within=30d)\n", f"within={ABSURD})\n", ABSURD),
        ("half_life: 14d", f"half_life: {ABSURD}", ABSURD),
    ],
)
def test_a_model_with_an_absurd_duration_names_file_line_and_column(
    tmp_path: Path, original: str, absurd: str, needle: str
) -> None:
    text = starter_model_text()
    assert original in text
    hostile = text.replace(original, absurd, 1)
    with pytest.raises(ScoringModelError) as caught:
        parse_model(hostile, file="model.yaml")
    line, column = _located(hostile, needle)
    assert f"model.yaml:{line}:{column}" in str(caught.value)
    path = tmp_path / "model.yaml"
    path.write_text(hostile, encoding="utf-8")
    result = runner.invoke(
        app, ["model", "validate", str(path), "--db", f"sqlite:///{tmp_path}/x.db"]
    )
    assert result.exit_code == 1, result.output
    assert f"model.yaml:{line}:{column}" in result.output
    assert "at most 36500d" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
