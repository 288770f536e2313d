"""`leadflow init`, `leads list` and `leads show` through the real command tree."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from leadflow.accounts.models import Account
from leadflow.cli.app import COMMANDS, app
from leadflow.leads import service
from leadflow.leads.models import Lead
from leadflow.storage.database import session_factory

runner = CliRunner()


@pytest.fixture
def three_leads(engine: Engine) -> Engine:
    with session_factory(engine).begin() as session:
        acme = Account(domain="acme.com", name="Acme", industry="Software", employees=250)
        session.add(acme)
        session.flush()
        for i, (email, source, stage) in enumerate(
            [
                ("ann@acme.com", "webinar", "mql"),
                ("bob@gmail.com", "paid_search", "lead"),
                ("cy@acme.com", "webinar", "lead"),
            ]
        ):
            session.add(
                Lead(
                    email=email,
                    first_name=email.split("@")[0].title(),
                    source=source,
                    stage=stage,
                    account_id=acme.id if email.endswith("acme.com") else None,
                    attributes={"score_hint": i},
                    created_at=datetime(2026, 1, 1 + i, tzinfo=UTC),
                )
            )
    return engine


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_list_filters_sorts_and_limits(three_leads: Engine, db_url: str) -> None:
    code, out = _run(
        "leads", "list", "--db", db_url, "-w", "source=webinar", "--sort", "created_at",
        "--desc", "--format", "json",
    )  # fmt: skip
    assert code == 0, out
    assert [row["email"] for row in json.loads(out)] == ["cy@acme.com", "ann@acme.com"]
    code, out = _run("leads", "list", "--db", db_url, "--limit", "1", "--format", "json")
    assert [row["email"] for row in json.loads(out)] == ["ann@acme.com"]


def test_list_table_shows_leads(three_leads: Engine, db_url: str) -> None:
    code, out = _run("leads", "list", "--db", db_url, "--search", "gmail")
    assert code == 0
    assert "bob@gmail.com" in out and "ann@acme.com" not in out


def test_show_by_email_or_id_prints_one_object(three_leads: Engine, db_url: str) -> None:
    code, out = _run("leads", "show", " ANN@acme.com ", "--db", db_url, "--format", "json")
    assert code == 0, out
    shown = json.loads(out)
    assert shown["email"] == "ann@acme.com"
    assert shown["account"]["name"] == "Acme"
    assert shown["attributes"] == {"score_hint": 0}
    code, by_id = _run("leads", "show", str(shown["id"]), "--db", db_url, "--format", "json")
    assert json.loads(by_id) == shown


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["leads", "show", "nobody@acme.com"], "no lead with id or e-mail 'nobody@acme.com'"),
        (["leads", "list", "--sort", "password"], "--sort: cannot sort by 'password'"),
        (["leads", "list", "-w", "stage"], "expected FIELD=VALUE"),
        (["leads", "list", "-w", "email_hash=1"], "cannot filter on email_hash"),
        (["leads", "list", "--limit", "0"], "--limit: must be at least 1"),
    ],
)
def test_bad_requests_exit_1_with_a_message(
    three_leads: Engine, db_url: str, args: list[str], message: str
) -> None:
    code, out = _run(*args, "--db", db_url)
    assert code == 1
    assert message in " ".join(out.split())


def test_init_writes_config_and_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LEADFLOW_DATABASE_URL", raising=False)
    code, out = _run("init", "team")
    assert code == 0, out
    config = (tmp_path / "team" / "leadflow.toml").read_text()
    assert f'database_url = "sqlite:///{tmp_path}/team/leadflow.db"' in config
    assert (tmp_path / "team" / "leadflow.db").exists()
    assert f'scoring_model = "{tmp_path}/team/scoring.yaml"' in config
    assert "fit_rules:" in (tmp_path / "team" / "scoring.yaml").read_text()
    code, out = _run("init", "team")
    assert code == 1 and "--force" in out
    monkeypatch.chdir(tmp_path / "team")
    code, out = _run("leads", "list", "--format", "json")
    assert (code, json.loads(out)) == (0, [])


def _commands(command: object, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    children = getattr(command, "commands", None)
    if children is None:
        return [path]
    if not path:  # the top level loads its sub-commands when they run
        children = {**children, **{name: lazy.load(name) for name, lazy in COMMANDS.items()}}
    return [leaf for name, sub in children.items() for leaf in _commands(sub, (*path, name))]


def test_every_command_has_help_with_an_example() -> None:
    from typer.main import get_command

    commands = _commands(get_command(app))
    assert len(commands) > 30
    for path in commands:
        code, out = _run(*path, "--help")
        assert code == 0 and "Example:" in out, path


def test_show_includes_the_active_score_and_its_reasons(three_leads: Engine, db_url: str) -> None:
    from leadflow.scoring import versions
    from leadflow.scoring.model_file import parse_model, starter_model_text
    from leadflow.scoring.models import ScoreRecord

    model = parse_model(starter_model_text())
    with session_factory(three_leads).begin() as session:
        versions.record_version(session=session, model=model, source=starter_model_text())
        versions.activate(session=session, version=model.version)
        lead_id = service.resolve(session=session, id_or_email="ann@acme.com").id
        session.add(
            ScoreRecord(
                lead_id=lead_id,
                model_version=model.version,
                fit=35.0,
                engagement=12.5,
                fit_band="B",
                engagement_band=2,
                grade="B2",
                is_mql=False,
                explanation=[["executive", 25.0], ["pricing_page", 12.5], ["served_country", 10]],
                as_of=datetime(2026, 2, 1, tzinfo=UTC),
            )
        )
    code, out = _run("leads", "show", "ann@acme.com", "--db", db_url, "--format", "json")
    shown = json.loads(out)
    assert (shown["fit"], shown["engagement"], shown["grade"], shown["stage"]) == (
        35.0,
        12.5,
        "B2",
        "mql",
    )
    assert shown["model_version"] == "1"
    assert shown["explanation"][:2] == [
        {"rule": "executive", "points": 25.0},
        {"rule": "pricing_page", "points": 12.5},
    ]
    code, table = _run("leads", "show", "ann@acme.com", "--db", db_url)
    assert code == 0 and "Why this score" in table and "pricing_page" in table
    code, unscored = _run("leads", "show", "bob@gmail.com", "--db", db_url, "--format", "json")
    assert json.loads(unscored)["grade"] is None and json.loads(unscored)["explanation"] == []
