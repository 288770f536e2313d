"""Injection through the command line: SQL metacharacters and fragments in every filter,
sort key, search, grouping and report parameter are inert (a clear error naming the option,
or a literal match), and stored text that looks like Rich markup prints as typed."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from leadflow.cli.app import app
from leadflow.leads.models import Lead
from leadflow.storage.database import session_factory

runner = CliRunner()
HOSTILE_NAMES = [
    ("[/bold]", "[red]Red[/red]"),
    ("'; DROP TABLE leads; --", "[link=http://evil.test]click[/link]"),
    ('" OR ""="', "Robert'); DELETE FROM leads;--"),
]


@pytest.fixture
def hostile(engine: Engine) -> Engine:
    with session_factory(engine).begin() as session:
        for i, (company, last_name) in enumerate(HOSTILE_NAMES):
            session.add(
                Lead(
                    email=f"p{i}@buyer.test",
                    company=company,
                    last_name=last_name,
                    source="web",
                    campaign=company,
                )
            )
    return engine


def _count(engine: Engine) -> int:
    with session_factory(engine)() as session:
        return session.scalar(select(func.count()).select_from(Lead)) or 0


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["leads", "list", "--where", "email; DROP TABLE leads=x"], "--where"),
        (["leads", "list", "--where", "stage) OR (1=1=x"], "--where"),
        (["leads", "list", "--sort", "id; DROP TABLE leads"], "--sort"),
        (["leads", "list", "--sort", "(SELECT 1)"], "--sort"),
        (["report", "sources", "--by", "source; DROP TABLE leads"], "--by"),
        (["report", "sources", "--by", "attributes.x') OR 1=1 --"], "--by"),
        (["report", "funnel", "--steps", "mql,sql');DROP TABLE leads;--"], "--steps"),
        (["report", "funnel", "--window", "1d; DROP TABLE leads"], "--window"),
        (["audit", "--since", "2026-01-01' OR '1'='1"], "--since"),
    ],
)
def test_sql_in_options_is_refused_naming_the_option(
    hostile: Engine, db_url: str, args: list[str], option: str
) -> None:
    result = runner.invoke(app, [*args, "--db", db_url])
    assert result.exit_code != 0
    assert option in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert _count(hostile) == len(HOSTILE_NAMES)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--where", "stage=lead' OR '1'='1"], []),
        (["--where", f"campaign={HOSTILE_NAMES[1][0]}"], ["p1@buyer.test"]),
        (["--search", "' OR 1=1 --"], []),
        (["--search", "DROP TABLE"], ["p1@buyer.test"]),
        (["--search", "delete from"], ["p2@buyer.test"]),
    ],
)
def test_sql_in_values_matches_literally(
    hostile: Engine, db_url: str, args: list[str], expected: list[str]
) -> None:
    result = runner.invoke(app, ["leads", "list", *args, "-f", "csv", "--db", db_url])
    assert result.exit_code == 0, result.output
    emails = [line.split(",")[1] for line in result.stdout.splitlines()[1:]]
    assert emails == expected
    assert _count(hostile) == len(HOSTILE_NAMES)


def test_markup_in_stored_text_prints_as_typed(hostile: Engine, db_url: str) -> None:
    for args in (
        ["leads", "list"],
        ["leads", "show", "p0@buyer.test"],
        ["report", "sources", "--by", "campaign"],
        ["leads", "show", "[/bold]"],
    ):
        result = runner.invoke(app, [*args, "--db", db_url], terminal_width=300)
        assert result.exception is None or isinstance(result.exception, SystemExit), args
        assert "[/bold]" in result.output, result.output
    shown = runner.invoke(app, ["leads", "show", "p1@buyer.test", "--db", db_url])
    assert "[link=http://evil.test]click[/link]" in shown.output
