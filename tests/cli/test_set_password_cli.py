"""`leadflow users set-password`: asked twice or read from stdin; only a hash is stored."""

from __future__ import annotations

from sqlalchemy import Engine
from typer.testing import CliRunner

from leadflow.cli.app import app
from leadflow.storage.database import session_factory
from leadflow.users import passwords, service

runner = CliRunner()


def _add(db_url: str) -> None:
    result = runner.invoke(app, ["users", "add", "ana@acme.test", "--name", "Ana", "--db", db_url])
    assert result.exit_code == 0, result.output


def _stored(engine: Engine) -> str | None:
    with session_factory(engine)() as session:
        return service.resolve(session=session, email="ana@acme.test").password_hash


def test_the_password_is_asked_twice(db_url: str, engine: Engine) -> None:
    _add(db_url)
    command = ["users", "set-password", "ANA@acme.test", "--db", db_url]
    mismatch = runner.invoke(app, command, input="first password\nother password\n" * 1)
    assert mismatch.exit_code != 0 and _stored(engine) is None
    result = runner.invoke(app, command, input="a good password\na good password\n")
    assert result.exit_code == 0, result.output
    assert "Password set for ana@acme.test" in result.output
    assert "a good password" not in result.output
    with session_factory(engine)() as session:
        user = service.resolve(session=session, email="ana@acme.test")
        assert passwords.verify(user=user, password="a good password")


def test_from_stdin_and_refusals_name_the_problem(db_url: str, engine: Engine) -> None:
    _add(db_url)
    stdin = ["users", "set-password", "ana@acme.test", "--password-stdin", "--db", db_url]
    short = runner.invoke(app, stdin, input="short\n")
    assert short.exit_code == 1
    assert "password: too short: at least 10 characters" in short.output
    assert _stored(engine) is None
    unknown = runner.invoke(
        app, ["users", "set-password", "bo@acme.test", "--password-stdin", "--db", db_url],
        input="long enough password\n",
    )  # fmt: skip
    assert unknown.exit_code == 1 and "no user with e-mail 'bo@acme.test'" in unknown.output
    result = runner.invoke(app, stdin, input="long enough password\r\n")
    assert result.exit_code == 0, result.output
    stored = _stored(engine)
    assert stored is not None and stored.startswith("$argon2id$")
