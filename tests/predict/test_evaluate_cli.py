"""`leadflow model evaluate` on an export: the JSON a program reads, and every bad input named."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from leadflow.cli.app import app

runner = CliRunner()


def _export(path: Path, *, n: int = 1200, seed: int = 0, sep: str = ",") -> Path:
    rng = np.random.default_rng(seed)
    visits = rng.poisson(3, n)
    role = rng.choice(["VP", "Manager", "Student", "Select"], n)
    y = rng.random(n) < 1 / (1 + np.exp(-(-2 + 0.5 * visits + (role == "VP") * 1.5)))
    pd.DataFrame(
        {
            "Prospect ID": [f"p-{i}" for i in range(n)],
            "Visits": visits,
            "Role": role,
            "Opted Out": rng.choice(["Yes", "No"], n),
            "Created": pd.date_range("2025-01-01", periods=n, freq="6h").strftime("%Y-%m-%d %H:%M"),
            "Tags": np.where(
                y,
                "Closed by Horizzon",
                rng.choice(["Ringing", "Closed by Horizzon"], n, p=[0.95, 0.05]),
            ),
            "Converted": np.where(y, "Yes", "No"),
        }
    ).to_csv(path, index=False, sep=sep)
    return path


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["model", "evaluate", *args])
    return result.exit_code, result.stdout, result.stderr


def test_json_output_has_the_metrics_and_names_the_leak(tmp_path: Path) -> None:
    path = _export(tmp_path / "leads.csv", sep=";")
    code, out, err = _run(
        "--csv",
        str(path),
        "--target",
        "Converted",
        "--id",
        "Prospect ID",
        "--time-column",
        "Created",
        "--learner",
        "logistic",
        "--format",
        "json",
    )
    assert code == 0, err
    record = json.loads(out)
    for key in ("roc_auc", "pr_auc", "brier", "ece", "top_decile_lift", "n", "positives", "leaks"):
        assert key in record
    assert record["positive"] == "Yes"
    assert record["leaks"] == ["Tags"]
    assert "'Tags' alone predicts 'Converted'" in err
    assert record["n"] == 1200 and 0 < record["positives"] < 1200
    assert "Prospect ID" not in record["categorical"] and "Created" not in record["categorical"]
    assert record["time_holdout"]["n"] == 240
    assert sum(row["leads"] for row in record["calibration"]) == 1200


def test_drop_leaks_removes_the_leaking_column(tmp_path: Path) -> None:
    path = _export(tmp_path / "leads.csv")
    base = ["--csv", str(path), "--target", "Converted", "--id", "Prospect ID", "--format", "json"]
    _, with_leak, _ = _run(*base, "--learner", "logistic")
    code, without, err = _run(*base, "--learner", "logistic", "--drop-leaks")
    assert code == 0, err
    leaky, honest = json.loads(with_leak), json.loads(without)
    assert honest["dropped_leaks"] == ["Tags"] and "Tags" not in honest["categorical"]
    assert leaky["roc_auc"] > honest["roc_auc"] > 0.65


def test_the_table_output_reads_for_a_person(tmp_path: Path) -> None:
    path = _export(tmp_path / "leads.csv")
    code, out, _ = _run("--csv", str(path), "--target", "Converted", "--drop", "Tags,Created")
    assert code == 0
    assert "roc_auc" in out and "Calibration" in out and "lightgbm" in out


@pytest.mark.parametrize(
    ("change", "args", "message"),
    [
        (None, ["--target", "Won"], "--target: no column 'Won'"),
        (None, ["--target", "Converted", "--drop", "Nope"], "no column 'Nope'"),
        (None, ["--target", "Converted", "--positive", "Maybe"], "--positive 'Maybe' never occurs"),
        (None, ["--target", "Role"], "say which one is the outcome with --positive"),
        ("one class", ["--target", "Converted"], "one class: all 1200 rows are 'No'"),
        ("few", ["--target", "Converted"], "found 30 positives, at least 100 are needed"),
        ("bad time", ["--target", "Converted", "--time-column", "Created"], "data row 7: 'soon'"),
        ("missing", ["--target", "Converted"], "cannot read"),
        (None, ["--target", "Converted", "--learner", "forest"], "learner 'forest'"),
    ],
)
def test_bad_input_is_a_clear_error(tmp_path: Path, change, args, message) -> None:
    path = _export(tmp_path / "leads.csv")
    frame = pd.read_csv(path, dtype=str)
    if change == "one class":
        frame["Converted"] = "No"
    elif change == "few":
        yes = frame.index[frame["Converted"] == "Yes"]
        frame.loc[yes[30:], "Converted"] = "No"
    elif change == "bad time":
        frame.loc[6, "Created"] = "soon"
    elif change == "missing":
        path = tmp_path / "nowhere.csv"
    if change not in (None, "missing"):
        frame.to_csv(path, index=False)
    code, out, err = _run("--csv", str(path), *args, "--format", "json")
    assert code != 0
    assert message in err
    assert out == ""
