"""CSV exports a spreadsheet opens as data: the CLI's and the API's reports and the lead list
write text that would run as a formula with a leading `'`, and numbers as numbers."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import update
from typer.testing import CliRunner

from leadflow.analytics.csv_export import spreadsheet_safe, write_csv
from leadflow.api.app import create_app
from leadflow.cli.app import app
from leadflow.config import load_settings
from leadflow.storage.database import create_store_engine, transaction
from leadflow.storage.registry import metadata
from leadflow.users import keys, service
from leadflow.users.models import Role
from leadflow.users.schemas import UserCreate

from .conftest import build_world

runner = CliRunner()
FORMULA = "=cmd|'/C calc'!A0"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@given(st.text())
def test_no_text_cell_starts_a_formula_and_its_text_is_kept(text: str) -> None:
    safe = spreadsheet_safe(text)
    assert not safe.startswith(FORMULA_STARTS)
    assert safe in (text, "'" + text)


@given(st.one_of(st.integers(), st.floats(allow_nan=False), st.none(), st.booleans()))
def test_numbers_and_empty_cells_stay_as_they_are(value: object) -> None:
    assert spreadsheet_safe(value) is value


def test_a_negative_amount_stays_a_number_and_a_formula_becomes_text() -> None:
    stream = io.StringIO()
    rows = [{"campaign": "-10% off", "revenue": -250.5, "leads": -3}, {"campaign": "@SUM(A1)"}]
    write_csv(stream, ["campaign", "revenue", "leads"], rows)
    assert stream.getvalue().splitlines() == [
        "campaign,revenue,leads",
        "'-10% off,-250.5,-3",
        "'@SUM(A1),,",
    ]


def _hostile_world(sqlite_url: str) -> str:
    engine = create_store_engine(sqlite_url)
    build_world(engine)
    with engine.begin() as connection:
        leads = metadata.tables["leads"]
        connection.execute(
            update(leads).where(leads.c.id == 3).values(campaign=FORMULA, source="+1-1")
        )
    engine.dispose()
    return sqlite_url


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_cli_report_and_lead_list_csv_neutralise_formulas(sqlite_url: str) -> None:
    db = _hostile_world(sqlite_url)
    report = runner.invoke(
        app, ["report", "sources", "--by", "campaign", "--format", "csv", "--db", db]
    )
    assert report.exit_code == 0, report.output
    assert "'" + FORMULA in _cells(report.stdout)
    assert not any(cell.startswith(FORMULA_STARTS) for cell in _cells(report.stdout))
    listed = runner.invoke(app, ["leads", "list", "--format", "csv", "--db", db])
    assert listed.exit_code == 0, listed.output
    rows = list(csv.DictReader(io.StringIO(listed.stdout)))
    assert [row["source"] for row in rows if row["id"] == "3"] == ["'+1-1"]
    assert len(rows) == 4


def test_api_report_csv_neutralises_formulas(sqlite_url: str) -> None:
    db = _hostile_world(sqlite_url)
    api = create_app(load_settings(database_url=db))
    with transaction(api.state.engine) as session:
        user = service.create(
            session=session, user_in=UserCreate(email="m@acme.test", name="m", role=Role.MARKETING)
        )
        token = keys.create(session=session, user_id=user.id)[1]
    with TestClient(api) as client:
        response = client.get(
            "/api/v1/reports/sources",
            params={"by": "campaign", "format": "csv"},
            headers={"Authorization": f"Bearer {token}"},
        )
        as_json = client.get(
            "/api/v1/reports/sources",
            params={"by": "campaign"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "'" + FORMULA in _cells(response.text)
    assert FORMULA in [row["campaign"] for row in as_json.json()["rows"]]
