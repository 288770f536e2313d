"""`leadflow users` and `leadflow keys` through the real command tree."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from leadflow.cli.app import app
from leadflow.storage.database import session_factory
from leadflow.users import keys
from leadflow.users.models import ApiKey

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def _json(db_url: str, *args: str) -> Any:
    result = runner.invoke(app, [*args, "--db", db_url, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_add_list_update_and_deactivate(db_url: str) -> None:
    admin = _json(db_url, "users", "add", "Max@Acme.test", "--name", "Max", "--role", "admin")
    assert (admin["email"], admin["role"]) == ("max@acme.test", "admin")
    rep = _json(
        db_url, "users", "add", "ana@acme.test", "--name", "Ana Ruiz", "--team", "emea",
        "--manager", "max@acme.test", "--capacity", "25",
        "--territory", '{"region": ["EMEA"]}', "--time-zone", "Europe/Madrid",
    )  # fmt: skip
    assert (rep["role"], rep["manager_id"], rep["capacity"], rep["territory"]) == (
        "sales",
        admin["id"],
        25,
        {"region": ["EMEA"]},
    )
    changed = _json(
        db_url, "users", "update", "ana@acme.test", "--team", "", "--capacity", "none",
        "--role", "manager", "--manager", "",
    )  # fmt: skip
    assert (changed["team"], changed["capacity"], changed["role"], changed["manager_id"]) == (
        None,
        None,
        "manager",
        None,
    )
    assert changed["time_zone"] == "Europe/Madrid"
    assert _json(db_url, "users", "deactivate", "ana@acme.test")["active"] is False
    listed = _json(db_url, "users", "list", "--active-only")
    assert [user["email"] for user in listed] == ["max@acme.test"]
    code, table = _run("users", "list", "--db", db_url)
    assert code == 0 and "ana@" in table and "max@" in table


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users", "add", "x@acme.test", "--name", "X", "--time-zone", "Mars"], "--time-zone: "),
        (["users", "add", "x@acme.test", "--name", "X", "--capacity", "lots"], "--capacity 'lots'"),
        (["users", "add", "x@acme.test", "--name", "X", "--territory", "{"], "--territory: not"),
        (["users", "add", "nope", "--name", "X"], "EMAIL: "),
        (["users", "add", "x@acme.test", "--name", "X", "--manager", "no@acme.test"], "no user"),
        (["users", "add", "max@acme.test", "--name", "X"], "EMAIL: a user with"),
        (["users", "deactivate", "max@acme.test"], "last active admin"),
        (["users", "update", "nobody@acme.test", "--name", "X"], "no user with e-mail"),
        (["keys", "create", "--user", "nobody@acme.test"], "no user with e-mail"),
        (["keys", "revoke", "lf_00000000"], "no API key with prefix"),
        (["keys", "revoke", "secret"], "is not a key prefix"),
    ],
)
def test_mistakes_exit_1_naming_the_option(db_url: str, args: list[str], message: str) -> None:
    _json(db_url, "users", "add", "max@acme.test", "--name", "Max", "--role", "admin")
    code, out = _run(*args, "--db", db_url)
    assert code == 1, out
    assert message in " ".join(out.split())


def test_keys_are_printed_once_listed_by_prefix_and_revoked(db_url: str, engine: Engine) -> None:
    _json(db_url, "users", "add", "ana@acme.test", "--name", "Ana")
    code, out = _run("keys", "create", "--user", "ana@acme.test", "--name", "crm", "--db", db_url)
    assert code == 0, out
    assert "shown only this once" in out
    token = next(word for word in out.split() if word.startswith("lf_") and word.count("_") >= 2)
    with session_factory(engine)() as session:
        principal = keys.authenticate(session=session, token=token)
        assert principal is not None and principal.user.email == "ana@acme.test"
        hashes = session.scalars(select(ApiKey.secret_hash)).all()
    assert token.split("_", 2)[2] not in hashes
    listed = _json(db_url, "keys", "list", "--user", "ana@acme.test")
    assert [(key["prefix"], key["name"], key["user"]) for key in listed] == [
        (token[:11], "crm", "ana@acme.test")
    ]
    assert token not in json.dumps(listed)
    revoked = _json(db_url, "keys", "revoke", token)
    assert revoked["revoked_at"] is not None
    assert _json(db_url, "keys", "list", "--valid-only") == []


def test_keys_create_json_carries_the_key_for_scripts(db_url: str) -> None:
    _json(db_url, "users", "add", "bot@acme.test", "--name", "Bot", "--role", "marketing")
    result = runner.invoke(
        app, ["keys", "create", "--user", "bot@acme.test", "--db", db_url, "-f", "json"]
    )
    created = json.loads(result.stdout)
    assert created["key"].startswith(created["prefix"] + "_")
    assert "shown only this once" in result.stderr


def test_every_command_has_help_with_an_example() -> None:
    commands = [
        ["users", "add"], ["users", "list"], ["users", "update"], ["users", "deactivate"],
        ["keys", "create"], ["keys", "list"], ["keys", "revoke"], ["serve"],
    ]  # fmt: skip
    for args in commands:
        code, out = _run(*args, "--help")
        assert code == 0 and "Example:" in out, args
