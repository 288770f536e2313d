"""`leadflow webhooks ...` through the real command tree, against a real receiver."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, update
from typer.testing import CliRunner

from leadflow.cli.app import app
from leadflow.storage.database import transaction
from leadflow.webhooks.models import DeliveryStatus, WebhookDelivery
from leadflow.webhooks.outbox import emit

if TYPE_CHECKING:
    from conftest import Receiver

runner = CliRunner()


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server_key: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LEADFLOW_CONFIG", raising=False)
    monkeypatch.setenv("LEADFLOW_SECRET_KEY", server_key)


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def _json(*args: str) -> object:
    code, out = _run(*args, "--format", "json")
    assert code == 0, out
    return json.loads(out)


def test_add_list_rotate_disable(db_url: str) -> None:
    events = ["-e", "lead.mql,lead.sql", "--events", "sla.breached"]
    added = _json("webhooks", "add", "https://crm.example.com/h", *events, "--db", db_url)
    assert isinstance(added, dict) and added["secret"].startswith("whsec_")
    assert added["events"] == ["lead.mql", "lead.sql", "sla.breached"]
    listed = _json("webhooks", "list", "--db", db_url)
    assert isinstance(listed, list) and [s["id"] for s in listed] == [added["id"]]
    assert "secret" not in listed[0]
    rotated = _json("webhooks", "rotate", str(added["id"]), "--db", db_url)
    assert isinstance(rotated, dict) and rotated["secret"] not in (None, added["secret"])
    assert rotated["previous_secret_expires_at"] is not None
    code, out = _run("webhooks", "disable", str(added["id"]), "--db", db_url)
    assert code == 0 and "disabled" in out
    listed = _json("webhooks", "list", "--db", db_url)
    assert isinstance(listed, list) and listed[0]["active"] is False
    code, out = _run("webhooks", "add", "https://crm.example.com/h", "-e", "*", "--db", db_url)
    assert code == 0 and "not shown again" in out


def test_add_without_a_server_key_says_how_to_set_one(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEADFLOW_SECRET_KEY")
    code, out = _run("webhooks", "add", "https://x.example.com/", "-e", "*", "--db", db_url)
    assert code == 1
    assert "LEADFLOW_SECRET_KEY" in out and "Traceback" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["webhooks", "add", "ftp://x/", "-e", "*"], "use an http:// or https:// URL"),
        (["webhooks", "add", "http://x/", "-e", "lead.won"], "unknown event type lead.won"),
        (["webhooks", "disable", "42"], "no webhook subscription with id 42"),
        (["webhooks", "deliveries", "--status", "sent"], "--status: 'sent'"),
        (["webhooks", "replay"], "give delivery ids, --dead or --since"),
        (["webhooks", "replay", "--since", "yesterday"], "--since 'yesterday'"),
        (["webhooks", "rotate", "1", "--overlap-hours", "-1"], "must not be negative"),
    ],
)
def test_bad_requests_exit_1_with_a_message(db_url: str, args: list[str], message: str) -> None:
    code, out = _run(*args, "--db", db_url)
    assert code == 1
    assert message in " ".join(out.split())


def test_run_once_delivers_and_replay_sends_dead_ones_again(
    engine: Engine, db_url: str, receiver: Receiver
) -> None:
    added = _json("webhooks", "add", receiver.url(), "-e", "lead.mql", "--db", db_url)
    assert isinstance(added, dict)
    receiver.secrets["/hooks"] = [added["secret"]]
    with transaction(engine) as session:
        for seq, lead_id in enumerate([5, 6, 5]):
            emit(session=session, event_type="lead.mql", data={"seq": seq}, lead_id=lead_id)
    code, out = _run("webhooks", "run", "--once", "--db", db_url)
    assert code == 0 and "delivered 3" in out, out
    assert len(receiver.processed) == 3
    deliveries = _json("webhooks", "deliveries", "--lead", "5", "--db", db_url)
    assert isinstance(deliveries, list)
    assert [d["status"] for d in deliveries] == ["delivered", "delivered"]
    assert [d["payload"]["data"]["seq"] for d in deliveries] == [2, 0]

    with transaction(engine) as session:
        session.execute(update(WebhookDelivery).values(status=DeliveryStatus.DEAD))
    receiver.processed.clear()
    code, out = _run("webhooks", "replay", "--dead", "--db", db_url)
    assert code == 0 and "queued 3" in out
    code, out = _run("webhooks", "deliveries", "--status", "pending", "--db", db_url)
    assert code == 0 and "lead.mql" in out
    code, out = _run("webhooks", "run", "--once", "--db", db_url)
    assert code == 0 and "delivered 3" in out
    assert len(receiver.processed) == 3


def test_every_command_has_help_with_an_example() -> None:
    for command in ("add", "list", "disable", "enable", "rotate", "deliveries", "replay", "run"):
        code, out = _run("webhooks", command, "--help")
        assert code == 0 and "Example:" in out, command
