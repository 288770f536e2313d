"""Secrets never shown: an API key, a webhook signing secret, the server's secret_key and a
database password, used across a representative run of commands and API calls, appear in no
log line, error, problem body or `--format json` output (a secret is shown only by the one
answer that creates it)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from leadflow.cli.app import app as cli
from leadflow.config import masked_url

from .conftest import SERVER_SECRET_KEY

runner = CliRunner()
DB_PASSWORD = "Db-Pa55word-Never-Shown"


def _cli(*args: str) -> str:
    result = runner.invoke(cli, list(args))
    return result.output + (str(result.exception) if result.exception else "")


def test_no_secret_appears_in_logs_errors_or_json(
    client: TestClient, world: Any, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    admin = world.headers("admin")
    key = world.tokens["admin"]
    key_secret = key.split("_", 2)[2]
    seen: list[str] = []

    hook = client.post(
        "/api/v1/webhooks",
        json={"url": "https://hooks.example.test/in", "events": ["*"]},
        headers=admin,
    )
    signing_secret = hook.json()["secret"]
    hook_id = hook.json()["id"]
    rotated = client.post(f"/api/v1/webhooks/{hook_id}/rotate", headers=admin)
    new_signing_secret = rotated.json()["secret"]
    calls = [
        ("GET", "/api/v1/me", admin, None),
        ("GET", "/api/v1/webhooks", admin, None),
        ("GET", f"/api/v1/webhooks/{hook_id}", admin, None),
        ("GET", "/api/v1/keys", admin, None),
        ("GET", "/api/v1/audit", admin, None),
        ("GET", "/api/v1/me", {"Authorization": f"Bearer {key[:-1]}x"}, None),
        ("GET", "/api/v1/me", {"X-API-Key": key_secret}, None),
        ("POST", "/api/v1/activities", admin, {"type": "x", "occurred_at": "x"}),
    ]
    for method, path, headers, body in calls:
        response = client.request(method, path, headers=headers, json=body)
        assert response.status_code < 500, response.text
        seen.append(response.text)

    bad_url = f"postgresql://leadflow:{DB_PASSWORD}@127.0.0.1:1/leadflow"
    seen += [
        _cli("leads", "list", "--db", bad_url),
        _cli("leads", "list", "--db", f"mysql://leadflow:{DB_PASSWORD}@db/leadflow"),
        _cli("webhooks", "list", "--format", "json", "--db", db_url),
        _cli("keys", "list", "--format", "json", "--db", db_url),
        _cli("users", "list", "--format", "json", "--db", db_url),
        _cli("audit", "--format", "json", "--db", db_url),
        _cli("keys", "revoke", key + "x", "--db", db_url),
        _cli("webhooks", "replay", "--dead", "--db", db_url),
    ]
    assert any("***" in text for text in seen), "the database URL errors show a masked URL"
    everything = "\n".join(seen) + "\n" + caplog.text
    everything += json.dumps([record.__dict__ for record in caplog.records], default=str)
    for name, secret in [
        ("API key", key_secret),
        ("webhook signing secret", signing_secret),
        ("rotated signing secret", new_signing_secret),
        ("server secret_key", SERVER_SECRET_KEY),
        ("database password", DB_PASSWORD),
    ]:
        assert secret not in everything, f"the {name} was shown"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:p4ss@h:5432/d", "postgresql://u:***@h:5432/d"),
        ("mysql://u:p@ss:w0rd@h/d", "mysql://u:***@h/d"),
        ("postgresql://u@h/d", "postgresql://u@h/d"),
        ("sqlite:///tmp/x.db", "sqlite:///tmp/x.db"),
    ],
)
def test_masked_urls_hide_only_the_password(url: str, shown: str) -> None:
    assert masked_url(url) == shown
