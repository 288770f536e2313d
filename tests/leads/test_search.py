"""`search` matches what was typed, literally: `%`, `_` and `\\` are characters, not LIKE
wildcards, on SQLite and PostgreSQL, in the lead list (CLI and API) and the account list."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from leadflow.accounts.models import Account
from leadflow.api.app import create_app
from leadflow.cli.app import app
from leadflow.config import load_settings
from leadflow.leads import service
from leadflow.leads.models import Lead
from leadflow.storage.database import session_factory, transaction
from leadflow.users import keys
from leadflow.users import service as users
from leadflow.users.models import Role
from leadflow.users.schemas import UserCreate

COMPANIES = ["50% Off Ltd", "50 Off Ltd", "a_b Corp", "axb Corp", "Back\\Slash", "BackXSlash"]
CASES = [
    ("50%", ["50% Off Ltd"]),
    ("%", ["50% Off Ltd"]),
    ("a_b", ["a_b Corp"]),
    ("_", ["a_b Corp"]),
    ("k\\s", ["Back\\Slash"]),
    ("' OR 1=1 --", []),
    ("ltd", ["50% Off Ltd", "50 Off Ltd"]),
]


@pytest.fixture
def companies(engine: Engine) -> Engine:
    with session_factory(engine).begin() as session:
        for i, company in enumerate(COMPANIES):
            session.add(Lead(email=f"p{i}@buyer.test", company=company))
            session.add(Account(domain=f"d{i}.test", name=company))
    return engine


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_lead_search_is_literal(companies: Engine, text: str, expected: list[str]) -> None:
    query = service.LeadQuery(filters={}, search=text, limit=100)
    with session_factory(companies)() as session:
        found = [lead.company for lead in service.list_leads(session=session, query=query)]
    assert found == expected


def test_the_cli_and_the_api_search_literally(companies: Engine, db_url: str) -> None:
    result = CliRunner().invoke(
        app, ["leads", "list", "--search", "_", "--format", "csv", "--db", db_url]
    )
    assert result.exit_code == 0, result.output
    assert "a_b Corp" in result.stdout and "axb Corp" not in result.stdout
    api = create_app(load_settings(database_url=db_url))
    with transaction(api.state.engine) as session:
        user = users.create(
            session=session, user_in=UserCreate(email="a@acme.test", name="a", role=Role.ADMIN)
        )
        headers = {"Authorization": f"Bearer {keys.create(session=session, user_id=user.id)[1]}"}
    with TestClient(api) as client:
        for text, expected in CASES:
            leads = client.get("/api/v1/leads", params={"search": text}, headers=headers)
            accounts = client.get("/api/v1/accounts", params={"search": text}, headers=headers)
            assert sorted(row["company"] for row in leads.json()["items"]) == sorted(expected)
            assert sorted(row["name"] for row in accounts.json()["items"]) == sorted(expected)
