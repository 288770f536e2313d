"""Secrets derive from the server key and a salt; headers verify with standardwebhooks."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from pydantic import SecretStr
from standardwebhooks import Webhook, WebhookVerificationError

from leadflow.errors import ConfigError
from leadflow.storage.base import utcnow
from leadflow.webhooks.models import WebhookSubscription
from leadflow.webhooks.signing import current_secrets, signature_headers, signing_secret

KEY = "k" * 32
BODY = '{"type":"lead.mql","timestamp":"2026-01-01T00:00:00+00:00","data":{"lead_id":7}}'


def test_secret_is_32_bytes_derived_from_key_and_salt() -> None:
    secret = signing_secret(server_key=KEY, salt="salt-1")
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert secret == signing_secret(server_key=SecretStr(KEY), salt="salt-1")
    assert secret != signing_secret(server_key=KEY, salt="salt-2")
    assert secret != signing_secret(server_key="j" * 32, salt="salt-1")


@pytest.mark.parametrize("key", [None, "", "short"])
def test_missing_or_short_key_says_how_to_set_it(key: str | None) -> None:
    with pytest.raises(ConfigError, match="LEADFLOW_SECRET_KEY"):
        signing_secret(server_key=key, salt="salt")


def test_headers_verify_and_tampering_does_not() -> None:
    secret = signing_secret(server_key=KEY, salt="salt")
    headers = signature_headers(
        message_id="msg_1", body=BODY, signing_secrets=[secret], sent_at=utcnow()
    )
    assert headers["webhook-id"] == "msg_1"
    assert Webhook(secret).verify(BODY, headers)["data"] == {"lead_id": 7}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace("7", "8"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, headers | {"webhook-id": "msg_2"})
    stale = signature_headers(
        message_id="msg_1",
        body=BODY,
        signing_secrets=[secret],
        sent_at=utcnow() - timedelta(hours=1),
    )
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(BODY, stale)


def test_after_rotation_both_secrets_sign_until_the_overlap_ends() -> None:
    now = utcnow()
    subscription = WebhookSubscription(
        secret_salt="new",
        previous_secret_salt="old",
        previous_secret_expires_at=now + timedelta(hours=1),
    )
    old, new = (signing_secret(server_key=KEY, salt=salt) for salt in ("old", "new"))
    during = current_secrets(subscription, server_key=KEY, now=now)
    assert during == [new, old]
    headers = signature_headers(message_id="m", body=BODY, signing_secrets=during, sent_at=now)
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        Webhook(secret).verify(BODY, headers)
    after = current_secrets(subscription, server_key=KEY, now=now + timedelta(hours=1))
    assert after == [new]
    headers = signature_headers(message_id="m", body=BODY, signing_secrets=after, sent_at=now)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(BODY, headers)
