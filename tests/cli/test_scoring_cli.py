"""`leadflow model` and `leadflow score`: versions recorded, everyone rescored, stages moved
only by the active model, and two versions compared."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from leadflow.activities.models import Activity
from leadflow.cli.app import app
from leadflow.leads.models import Lead
from leadflow.scoring.model_file import starter_model_text
from leadflow.scoring.models import ScoreRecord
from leadflow.storage.database import session_factory
from leadflow.users.models import User

runner = CliRunner()
T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> Path:
    with session_factory(engine).begin() as session:
        session.add(User(email="rep@vendor.example", name="Rep", role="sales"))
        for email, seniority, kind in [
            ("vp@bigco.example", "vp", "demo_request"),
            ("ic@bigco.example", "individual_contributor", "email_open"),
            ("x@mailinator.com", None, "page_view"),
        ]:
            lead = Lead(
                email=email,
                email_domain=email.split("@")[1],
                seniority=seniority,
                is_disposable_email=email.endswith("mailinator.com"),
                created_at=T0,
                stage_changed_at=T0,
            )
            session.add(lead)
            session.flush()
            session.add(
                Activity(
                    event_id=f"{lead.id}-1",
                    lead_id=lead.id,
                    type=kind,
                    occurred_at=T0 + timedelta(days=1),
                    properties={"path": "/pricing"},
                )
            )
    path = tmp_path / "scoring.yaml"
    path.write_text(starter_model_text())
    return path


def test_activate_rescores_everyone_and_moves_marketing_leads(
    world: Path, engine: Engine, db_url: str
) -> None:
    code, out = _run("model", "validate", str(world), "--db", db_url)
    assert code == 0 and "ok" in out
    code, out = _run(
        "model", "activate", str(world), "--as-of", "2026-09-03", "--db", db_url, "-f", "json"
    )
    assert code == 0, out
    summary = json.loads(out)
    assert (summary["leads_scored"], summary["mqls"], summary["disqualified"]) == (3, 1, 1)
    assert (summary["moved_to_mql"], summary["moved_to_disqualified"]) == (1, 1)
    with session_factory(engine)() as session:
        stages = dict(session.execute(select(Lead.email, Lead.stage)).all())
    assert stages == {
        "vp@bigco.example": "mql",
        "ic@bigco.example": "lead",
        "x@mailinator.com": "disqualified",
    }
    code, out = _run("model", "list", "--db", db_url, "-f", "json")
    assert [(v["version"], v["active"]) for v in json.loads(out)] == [("1", True)]


def test_another_version_is_scored_apart_and_compared(
    world: Path, engine: Engine, db_url: str, tmp_path: Path
) -> None:
    assert _run("model", "activate", str(world), "--as-of", "2026-09-03", "--db", db_url)[0] == 0
    stricter = tmp_path / "v2.yaml"
    stricter.write_text(
        starter_model_text()
        .replace('version: "1"', 'version: "2"')
        .replace("points: 40", "points: 4", 1)
    )
    code, out = _run(
        "score", "--model", str(stricter), "--as-of", "2026-09-03", "--db", db_url, "-f", "json"
    )
    assert code == 0, out
    assert json.loads(out)["moved_to_mql"] == 0  # version 2 is not active: stages stay
    with session_factory(engine)() as session:
        per_version = dict(
            session.execute(
                select(ScoreRecord.model_version, func.count()).group_by(ScoreRecord.model_version)
            ).all()
        )
    assert per_version == {"1": 3, "2": 3}
    code, out = _run("score", "diff", "1", "2", "--db", db_url, "-f", "json")
    diff = json.loads(out)
    assert diff["leads_compared"] == 3
    assert diff["biggest_movers"][0]["email"] == "vp@bigco.example"
    assert diff["biggest_movers"][0]["change"] == pytest.approx(-36, abs=1)


def test_score_on_duckdb_gives_the_same_scores(world: Path, engine: Engine, db_url: str) -> None:
    def scores() -> dict:
        with session_factory(engine)() as session:
            return {
                (r.lead_id, r.grade, r.is_mql, round(r.fit + r.engagement, 9))
                for r in session.scalars(select(ScoreRecord))
            }

    assert _run("score", "--model", str(world), "--as-of", "2026-09-03", "--db", db_url)[0] == 0
    on_db = scores()
    code, out = _run("score", "--engine", "duckdb", "--as-of", "2026-09-03", "--db", db_url)
    assert code == 0, out
    assert scores() == on_db


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["score", "--engine", "hadoop"], "--engine 'hadoop': use db, duckdb or spark"),
        (["score", "--as-of", "yesterday"], "--as-of 'yesterday'"),
        (["score", "diff", "1", "9"], "no scoring model version"),
        (["model", "show", "4"], "no scoring model version '4'"),
    ],
)
def test_bad_requests_name_the_flag(world: Path, db_url: str, args: list, message: str) -> None:
    _run("model", "activate", str(world), "--db", db_url)
    code, out = _run(*args, "--db", db_url)
    assert code == 1 and message in " ".join(out.split()), out
