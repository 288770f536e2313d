"""`leadflow demo` through the real command tree: summary, refusal, --reset, next steps."""

import re

from typer.testing import CliRunner

from leadflow.cli.app import app

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_demo_loads_a_world_and_says_what_to_try_next(sqlite_url: str) -> None:
    code, out = _run("demo", "--leads", "120", "--months", "3", "--seed", "4", "--db", sqlite_url)
    assert code == 0, out
    assert re.search(r"leads\s+│\s+120", out)
    assert "eventual customers" in out and "campaign spend" in out
    # Too small a world to learn from: the demo says so instead of training.
    assert re.search(r"No model learned from this world's history: only \d+ leads reached SQL", out)
    shown = re.findall(r"leadflow leads show (\S+@\S+) --db", out)
    assert shown
    code, profile = _run("leads", "show", shown[0], "--db", sqlite_url, "--format", "json")
    assert code == 0 and shown[0] in profile


def test_a_second_demo_is_refused_until_reset(sqlite_url: str) -> None:
    assert _run("demo", "--leads", "60", "--months", "2", "--db", sqlite_url)[0] == 0
    code, out = _run("demo", "--leads", "60", "--months", "2", "--db", sqlite_url)
    assert code == 1
    assert "already has 60 leads" in out and "leadflow demo --reset" in out
    code, out = _run(
        "demo", "--leads", "80", "--months", "2", "--seed", "9", "--reset", "--db", sqlite_url
    )
    assert code == 0, out
    assert re.search(r"leads\s+│\s+80", out)


def test_impossible_options_are_named(sqlite_url: str) -> None:
    code, out = _run("demo", "--leads", "0", "--db", sqlite_url)
    assert code == 1 and "--leads: must be 1 to" in out
    code, out = _run("demo", "--months", "99", "--db", sqlite_url)
    assert code == 1 and "--months" in out
