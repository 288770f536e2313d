"""Imports trigger rescoring: every lead an import touched ends with the score a batch run
(`leadflow score`) gives at the same moment, on the real-time path and on the batch path."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from leadflow.cli.app import app
from leadflow.config import Settings
from leadflow.ingest import imports
from leadflow.ingest.imports import import_and_rescore
from leadflow.leads.models import Lead
from leadflow.scoring.model import ScoringModel
from leadflow.scoring.models import ScoreRecord
from leadflow.scoring.rescore import rescore_all
from leadflow.storage.database import session_factory

# Recent enough that the last demo requests (within 30 days) make MQLs when imported.
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=63)
SENIORITY = ("vp", "manager", "entry", None)
PATHS = ("/pricing", "/docs", "/careers", "/blog")


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _leads_file(folder: Path, count: int) -> Path:
    rows = [
        {"email": f"p{i}@co{i % 3}.example" if i != 7 else "kid@uni.edu",
         "seniority": SENIORITY[i % 4] or "", "country": "US" if i % 2 else "FR"}
        for i in range(count)
    ]  # fmt: skip
    return _write(folder / "leads.csv", rows)


def _activities_file(folder: Path, count: int, leads: int) -> Path:
    rows = []
    for i in range(count):
        lead = (i * 7) % (leads + 4)  # four e-mails are new: the import creates them
        kind = "demo_request" if i % 37 == 0 else "page_view"
        rows.append({
            "email": f"p{lead}@co{lead % 3}.example" if lead != 7 else "kid@uni.edu",
            "type": kind,
            "occurred_at": (T0 + timedelta(hours=5 * i)).isoformat(),
            "path": PATHS[i % 4] if kind == "page_view" else "",
        })  # fmt: skip
    return _write(folder / "activities.csv", rows)


def _scores(engine: Engine, version: str) -> dict[int, tuple[float, float, str, bool]]:
    with session_factory(engine)() as session:
        records = session.scalars(select(ScoreRecord).where(ScoreRecord.model_version == version))
        return {r.lead_id: (r.fit, r.engagement, r.grade, r.is_mql) for r in records}


def _assert_equal(got: dict, expected: dict) -> None:
    assert got.keys() == expected.keys()
    for lead_id, (fit, engagement, grade, is_mql) in expected.items():
        assert got[lead_id][0] == fit and got[lead_id][2:] == (grade, is_mql), lead_id
        assert got[lead_id][1] == pytest.approx(engagement, rel=1e-9, abs=1e-12), lead_id


def _batch_at(engine: Engine, model: ScoringModel, as_of: datetime, settings: Settings) -> dict:
    rescore_all(engine=engine, model=model, as_of=as_of, move_stages=False, settings=settings)
    return _scores(engine, model.version)


@pytest.mark.parametrize("path", ["real time", "batch"])
def test_an_import_rescores_what_it_touched_as_a_batch_run_would(
    engine: Engine,
    settings: Settings,
    model: ScoringModel,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
) -> None:
    if path == "batch":
        monkeypatch.setattr(imports, "BATCH_MIN_LEADS", 1)
        monkeypatch.setattr(imports, "REALTIME_LEAD_COST", 10**9)
    _, by_leads = import_and_rescore(
        engine=engine, kind="leads", path=_leads_file(tmp_path, 40), settings=settings
    )
    # Every new lead is scored on its profile; the student is disqualified at once.
    assert (by_leads.scoring, by_leads.rescored, by_leads.disqualified) == (path, 40, 1)
    summary, rescored = import_and_rescore(
        engine=engine, kind="activities", path=_activities_file(tmp_path, 300, 40),
        settings=settings,
    )  # fmt: skip
    assert summary.created == 300 and summary.leads_created == 4
    with session_factory(engine)() as session:
        stages = dict(session.execute(select(Lead.stage, func.count()).group_by(Lead.stage)).all())
        as_of = session.scalar(select(func.max(ScoreRecord.as_of)))
    assert rescored.scoring == path
    assert rescored.rescored == 44
    assert stages["mql"] == rescored.became_mql > 0 and stages["disqualified"] == 1
    assert as_of is not None
    real_time = _scores(engine, model.version)
    assert len(real_time) == 44
    _assert_equal(real_time, _batch_at(engine, model, as_of, settings))


def test_an_import_without_an_active_model_or_with_no_score_scores_nothing(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    file = _leads_file(tmp_path, 5)
    _, rescored = import_and_rescore(engine=engine, kind="leads", path=file, settings=settings)
    assert rescored.scoring == "no active model"
    _, off = import_and_rescore(
        engine=engine, kind="leads", path=file, settings=settings, score=False
    )
    assert (off.scoring, off.rescored) == ("off", 0)
    assert _scores(engine, "1") == {}


def test_the_cli_prints_the_rescoring_and_honours_no_score(
    engine: Engine, db_url: str, model: ScoringModel, tmp_path: Path
) -> None:
    runner = CliRunner()
    leads = _leads_file(tmp_path, 10)
    quiet = runner.invoke(app, ["import", "leads", str(leads), "--no-score", "--db", db_url,
                                "--format", "json"])  # fmt: skip
    assert quiet.exit_code == 0, quiet.output
    assert json.loads(quiet.output)["scoring"] == "off"
    assert _scores(engine, model.version) == {}
    loud = runner.invoke(app, ["import", "activities", str(_activities_file(tmp_path, 40, 10)),
                               "--db", db_url, "--format", "json"])  # fmt: skip
    assert loud.exit_code == 0, loud.output
    printed = json.loads(loud.output)
    assert printed["scoring"] == "real time" and printed["rescored"] == len(
        _scores(engine, model.version)
    )
    assert {"became_mql", "disqualified"} <= printed.keys()
