"""`leadflow leads accept|reject|qualify|...`, `history`, `brief` and `leadflow sla`."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from leadflow.activities.models import Activity
from leadflow.cli.app import app
from leadflow.leads.models import Lead
from leadflow.storage.database import session_factory
from leadflow.users.models import User

runner = CliRunner()
T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


@pytest.fixture
def team(engine: Engine) -> Engine:
    with session_factory(engine).begin() as session:
        session.add_all(
            [
                User(email="rep@x.com", name="Rep", role="sales"),
                User(email="boss@x.com", name="Boss", role="manager"),
            ]
        )
        born = T0 - timedelta(days=1)
        lead = Lead(email="ann@acme.com", source="webinar", created_at=born, stage_changed_at=born)
        session.add(lead)
        session.flush()
        session.add(
            Activity(
                event_id="e1",
                lead_id=lead.id,
                type="content_download",
                occurred_at=born,
                properties={"title": "ROI guide"},
            )
        )
    return engine


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, " ".join(result.output.split())


def _walk(db_url: str, *steps: list[str]) -> list[tuple[int, str]]:
    return [_run("leads", *step, "--db", db_url) for step in steps]


def test_a_lead_walks_the_funnel_from_the_command_line(team: Engine, db_url: str) -> None:
    results = _walk(
        db_url,
        ["handoff", "ann@acme.com", "--at", "2026-03-02T14:00:00"],
        ["accept", "ann@acme.com", "--as", "rep@x.com", "--at", "2026-03-02T15:00:00"],
        ["qualify", "ann@acme.com", "--as", "rep@x.com", "--need", "slow close",
         "--budget", "40k", "--authority", "CFO", "--timeline", "Q2"],
        ["opportunity", "ann@acme.com", "--as", "rep@x.com", "--amount", "24000"],
        ["lost", "ann@acme.com", "--reason", "price", "--as", "boss@x.com"],
    )  # fmt: skip
    assert [code for code, _ in results] == [0] * 5, results
    assert "mql -> sal" in results[1][1] and "next deadline 2026-03-09T15:00:00" in results[1][1]
    assert "opportunity 1 opened, 24,000.00 USD" in results[3][1]
    assert "opportunity -> lost (price)" in results[4][1]
    code, out = _run("leads", "history", "ann@acme.com", "--db", db_url, "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert [r["to"] for r in rows] == ["mql", "sal", "sql", "opportunity", "lost"]
    assert rows[2]["evidence"]["authority"] == "CFO"
    assert rows[4]["actor"] == "boss@x.com"


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        (
            [["accept", "ann@acme.com"]],
            "lead 1 is in stage 'lead': cannot move from 'lead' to 'sal'; allowed from 'lead': "
            "mql (-> mql), disqualify (-> disqualified)",
        ),
        ([["handoff", "1"], ["reject", "1"]], "Missing option '--reason'"),
        (
            [["handoff", "1"], ["reject", "1", "--reason", "meh"]],
            "'meh' is not a configured reason; use one of not_ready",
        ),
        (
            [["handoff", "1"], ["accept", "1"], ["qualify", "1", "--need", "x"]],
            "missing budget, authority, timeline",
        ),
        ([["handoff", "1"], ["accept", "1", "--as", "nobody@x.com"]], "no user with e-mail"),
        (
            [["handoff", "1"], ["won", "1", "--as", "rep@x.com"]],
            "cannot move from 'mql' to 'customer'",
        ),
        ([["disqualify", "9", "--reason", "junk"]], "no lead with id or e-mail '9'"),
    ],
)
def test_illegal_moves_exit_1_and_say_what_is_allowed(
    team: Engine, db_url: str, steps: list[list[str]], message: str
) -> None:
    *setup, last = _walk(db_url, *steps)
    assert all(code == 0 for code, _ in setup), setup
    code, out = last
    assert code in (1, 2) and message in out, out


def test_a_rep_may_not_act_on_someone_elses_lead(team: Engine, db_url: str) -> None:
    with session_factory(team).begin() as session:
        session.add(User(email="other@x.com", name="Other", role="sales"))
    _walk(db_url, ["handoff", "1", "--at", "2026-03-02T14:00:00"])
    code, out = _run("leads", "accept", "1", "--as", "other@x.com", "--db", db_url)
    assert code == 1 and "may not accept lead 1: it is owned by user 1" in out


def test_brief_shows_what_marketing_knows(team: Engine, db_url: str) -> None:
    code, out = _run("leads", "brief", "ann@acme.com", "--db", db_url, "--format", "json")
    brief = json.loads(out)
    assert code == 0
    assert brief["acquisition"]["source"] == "webinar"
    assert brief["content_consumed"][0]["title"] == "ROI guide"
    code, table = _run("leads", "brief", "ann@acme.com", "--db", db_url)
    assert code == 0 and "ROI guide" in table and "Content consumed" in table


def test_sla_status_and_run(team: Engine, db_url: str) -> None:
    _walk(db_url, ["handoff", "1", "--at", "2026-03-02T14:00:00"])
    code, out = _run("sla", "status", "--db", db_url, "--format", "json")
    status = json.loads(out)
    assert code == 0
    assert status["counts"]["overdue"] == 1 and status["timers"][0]["overdue"] is True
    code, out = _run("sla", "run", "--once", "--worker-id", "cli", "--db", db_url)
    assert code == 0 and "cli: 1 due timers handled, 1 breached (none 1)" in out
    code, out = _run("sla", "status", "--status", "breached", "--db", db_url)
    assert code == 0 and "breached 1" in out and "breached timers" in out
    code, out = _run("sla", "status", "--status", "breached", "--db", db_url, "-f", "json")
    assert json.loads(out)["timers"][0]["lead"] == "ann@acme.com"
    code, out = _run("sla", "run", "--interval", "0", "--db", db_url)
    assert code == 1 and "--interval: must be above 0" in out


def test_every_command_has_an_example_in_its_help() -> None:
    for command in ("accept", "reject", "qualify", "disqualify", "opportunity", "won", "lost",
                    "brief", "history", "handoff", "advance"):  # fmt: skip
        code, out = _run("leads", command, "--help")
        assert code == 0 and f"Example: leadflow leads {command}" in out
    for command in ("run", "status"):
        code, out = _run("sla", command, "--help")
        assert code == 0 and f"Example: leadflow sla {command}" in out
