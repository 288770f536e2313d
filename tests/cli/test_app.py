"""The top-level command: sub-commands load only when they run, and list as they are."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from leadflow.cli.app import COMMANDS, app

HEAVY = ("ibis", "pandas", "fastapi", "duckdb", "sklearn", "matplotlib", "sqlalchemy", "pyarrow")
PROBE = """
import json, sys
from leadflow.cli.app import main
sys.argv = ["leadflow", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def _modules_after(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_help_imports_no_command_module_nor_heavy_library() -> None:
    loaded = _modules_after("--help")
    assert loaded.isdisjoint(HEAVY), loaded & set(HEAVY)
    assert "typer" in loaded  # the probe did run the command line


def test_a_commands_help_loads_that_command_alone() -> None:
    loaded = _modules_after("import", "--help")
    assert loaded.isdisjoint({"ibis", "pandas", "fastapi", "matplotlib", "sklearn"})


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_listed_help_is_the_commands_own(name: str) -> None:
    command = COMMANDS[name].load(name)
    own = " ".join((command.help or "").split("\n\n")[0].split())
    assert COMMANDS[name].help == own


def test_every_command_is_listed_and_runs_its_help() -> None:
    runner = CliRunner()
    listing = runner.invoke(app, ["--help"], env={"COLUMNS": "300"})
    assert listing.exit_code == 0
    for name in COMMANDS:
        assert f" {name} " in listing.output
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, result.output
        assert f"leadflow {name}" in result.output
