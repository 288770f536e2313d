"""`leadflow audit`: changes made at the command line are listed with the local user as
actor, filtered by time and actor, as a table or JSON."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

from typer.testing import CliRunner

from leadflow.cli.app import app
from leadflow.scoring.model_file import starter_model_text

runner = CliRunner()


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_cli_changes_are_audited_and_listed(db_url: str, tmp_path: Path) -> None:
    _ok("users", "add", "ana@acme.test", "--name", "Ana", "--db", db_url)
    _ok("users", "update", "ana@acme.test", "--role", "admin", "--db", db_url)
    created = json.loads(
        _ok("keys", "create", "--user", "ana@acme.test", "-f", "json", "--db", db_url)
    )
    _ok("keys", "revoke", created["prefix"], "--db", db_url)
    model = tmp_path / "scoring.yaml"
    model.write_text(starter_model_text(), encoding="utf-8")
    _ok("model", "activate", str(model), "--db", db_url)
    entries = json.loads(_ok("audit", "--format", "json", "--db", db_url))
    assert [(e["action"], e["subject"]) for e in entries] == [
        ("user.created", "ana@acme.test"),
        ("user.role_changed", "ana@acme.test"),
        ("key.created", created["prefix"]),
        ("key.revoked", created["prefix"]),
        ("model.recorded", "1"),
        ("model.activated", "1"),
    ]
    assert {e["actor"] for e in entries} == {f"cli:{getpass.getuser()}"}
    assert created["key"] not in json.dumps(entries)
    since = entries[4]["at"]
    recent = json.loads(_ok("audit", "--since", since, "--format", "json", "--db", db_url))
    assert [e["action"] for e in recent] == ["model.recorded", "model.activated"]
    assert json.loads(_ok("audit", "--actor", "api", "-f", "json", "--db", db_url)) == []
    assert "key.revoked" in _ok("audit", "--db", db_url)


def test_a_bad_since_names_the_option(db_url: str) -> None:
    result = runner.invoke(app, ["audit", "--since", "last week", "--db", db_url])
    assert result.exit_code == 1
    assert "--since" in result.output
