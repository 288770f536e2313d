"""`leadflow doctor`: exit 0 and the counts on a consistent store, exit 1 naming each problem."""

from __future__ import annotations

import json

from sqlalchemy import Engine, insert
from typer.testing import CliRunner

from leadflow.cli.app import app
from leadflow.leads.models import Lead
from leadflow.lifecycle.models import StageChange
from leadflow.storage.base import utcnow


def test_doctor_passes_a_consistent_store_and_names_a_broken_history(
    engine: Engine, db_url: str
) -> None:
    runner = CliRunner()
    with engine.begin() as connection:
        connection.execute(insert(Lead).values(id=1, email="ana@bigco.example", stage="lead"))
    fine = runner.invoke(app, ["doctor", "--db", db_url, "--format", "json"])
    assert fine.exit_code == 0, fine.output
    printed = json.loads(fine.output)
    assert printed["consistent"] is True and printed["checked"]["leads"] == 1
    with engine.begin() as connection:
        connection.execute(insert(StageChange).values(
            lead_id=1, from_stage="lead", to_stage="sql", cycle=1, changed_at=utcnow(),
            actor_type="user"))  # fmt: skip
    broken = runner.invoke(app, ["doctor", "--db", db_url, "--quick"])
    assert broken.exit_code == 1
    assert "stage history" in broken.output and "illegal move lead -> sql" in broken.output
