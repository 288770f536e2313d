"""`leadflow import leads|accounts|activities` through the real command tree."""

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from leadflow.activities.models import Activity
from leadflow.cli.app import app
from leadflow.leads.models import Lead

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def _count(engine: Engine, model: type) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def leads_csv(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_text(
        "Work Email,First Name,Company,Budget\nann@acme.com,Ann,Acme,1200\nbob@gmail.com,Bob,,300\n"
    )
    return path


def test_import_leads_prints_a_json_summary(engine: Engine, db_url: str, leads_csv: Path) -> None:
    code, out = _run(
        "import", "leads", str(leads_csv), "--map", "Work Email=email", "--db", db_url,
        "--format", "json",
    )  # fmt: skip
    assert code == 0, out
    summary = json.loads(out)
    assert summary["kind"] == "leads"
    assert (summary["rows"], summary["created"], summary["accounts_created"]) == (2, 2, 1)
    assert summary["rejected"] == 0
    assert _count(engine, Lead) == 2
    code, out = _run(
        "import", "leads", str(leads_csv), "-m", "Work Email=email", "--db", db_url, "-f", "json"
    )
    assert (code, json.loads(out)["unchanged"]) == (0, 2)


def test_import_table_summary(engine: Engine, db_url: str, leads_csv: Path) -> None:
    code, out = _run("import", "leads", str(leads_csv), "-m", "work email=email", "--db", db_url)
    assert code == 0, out
    assert "Imported leads from contacts.csv" in out
    assert "created" in out and "2" in out


def test_a_bad_file_exits_1_lists_rows_and_writes_nothing(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "events.csv"
    path.write_text(
        "email,type,occurred_at\n"
        "ann@acme.com,page_view,2024-01-05T10:00:00Z\n"
        "bob@,page_view,2024-01-05T10:00:00Z\n"
        "cy@acme.com,,soon\n"
    )
    code, out = _run("import", "activities", str(path), "--db", db_url)
    assert code == 1
    text = " ".join(out.split())
    assert "error: events.csv: 2 bad rows, nothing was imported" in text
    assert "events.csv line 3, column email: value 'bob@': not an e-mail address" in text
    assert "events.csv line 4, column occurred_at: value 'soon'" in text
    assert (_count(engine, Activity), _count(engine, Lead)) == (0, 0)


def test_skip_invalid_writes_the_good_rows_and_a_reject_file(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(
        '{"email": "ann@acme.com", "type": "page_view", "occurred_at": "2024-01-05T10:00:00Z"}\n'
        '{"email": "ann@acme.com", "type": "page_view", "occurred_at": "never"}\n'
        "{broken\n"
    )
    rejects = tmp_path / "bad.csv"
    code, out = _run(
        "import", "activities", str(path), "--skip-invalid", "--reject-file", str(rejects),
        "--db", db_url, "-f", "json",
    )  # fmt: skip
    assert code == 0, out
    summary = json.loads(out)
    assert (summary["created"], summary["rejected"]) == (1, 2)
    assert summary["reject_file"] == str(rejects)
    lines = rejects.read_text().splitlines()
    assert lines[0] == "_line,_error,email,type,occurred_at,_raw"
    assert lines[1].startswith("2,column occurred_at: value 'never'")
    assert lines[2].startswith("3,not valid JSON") and lines[2].endswith(",{broken")
    assert _count(engine, Activity) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--map", "Work Email=mobile"], "--map Work Email=mobile: 'mobile' is not a lead field"),
        (["--map", "Work Email"], "--map 'Work Email': expected COLUMN=VALUE"),
        (["--type", "Budget=money"], "--type Budget=money: unknown type"),
        (["--time-zone", "Mars/Olympus"], "unknown time zone 'Mars/Olympus'"),
        ([], "contacts.csv: no column email or external_id"),
    ],
)
def test_bad_flags_exit_1_naming_the_flag(
    db_url: str, leads_csv: Path, args: list[str], message: str
) -> None:
    code, out = _run("import", "leads", str(leads_csv), *args, "--db", db_url)
    assert code == 1
    assert message in " ".join(out.split())


def test_unknown_file_types_and_missing_files_exit_1(db_url: str, tmp_path: Path) -> None:
    (tmp_path / "leads.xlsx").write_bytes(b"PK")
    code, out = _run("import", "leads", str(tmp_path / "leads.xlsx"), "--db", db_url)
    assert code == 1 and "unknown file type" in out
    code, out = _run("import", "accounts", str(tmp_path / "none.csv"), "--db", db_url)
    assert code == 1 and "no such file" in out


def test_every_import_command_has_help_with_an_example() -> None:
    for kind in ("leads", "accounts", "activities"):
        code, out = _run("import", kind, "--help")
        assert code == 0 and "Example:" in out and "--skip-invalid" in out, kind
