"""Signing secrets derived from the server key, and Standard Webhooks signature headers.

The database holds only a salt per subscription; the secret a receiver verifies with is
`whsec_` + base64(HMAC-SHA256(server secret key, salt)), recomputed whenever it is needed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import SecretStr
from standardwebhooks import Webhook

from leadflow.errors import ConfigError
from leadflow.webhooks.models import WebhookSubscription

SECRET_PREFIX = "whsec_"
MIN_SERVER_KEY_LENGTH = 32
HOW_TO_SET_KEY = (
    "set LEADFLOW_SECRET_KEY (or secret_key in leadflow.toml) to a random string of at least "
    f"{MIN_SERVER_KEY_LENGTH} characters, e.g. the output of "
    "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
)


def server_key_bytes(server_key: SecretStr | str | None) -> bytes:
    """The configured server secret key; ConfigError saying how to set it when unusable."""
    if isinstance(server_key, SecretStr):
        server_key = server_key.get_secret_value()
    if not server_key:
        raise ConfigError(f"webhooks need a server secret key: {HOW_TO_SET_KEY}")
    if len(server_key) < MIN_SERVER_KEY_LENGTH:
        raise ConfigError(f"the server secret key is too short: {HOW_TO_SET_KEY}")
    return server_key.encode()


def new_salt() -> str:
    """A fresh random salt: a new subscription, or a rotation of its secret."""
    return secrets.token_hex(16)


def signing_secret(*, server_key: SecretStr | str | None, salt: str) -> str:
    """The `whsec_...` secret a subscription's receiver verifies signatures with."""
    digest = hmac.new(server_key_bytes(server_key), salt.encode(), hashlib.sha256).digest()
    return SECRET_PREFIX + base64.b64encode(digest).decode()


def signature_headers(
    *, message_id: str, body: str, signing_secrets: Sequence[str], sent_at: datetime
) -> dict[str, str]:
    """The `webhook-id`, `webhook-timestamp` and `webhook-signature` headers for one send.

    Every secret given signs; receivers accept the request when any signature matches,
    which lets the previous secret keep working for a while after a rotation.
    """
    if not signing_secrets:
        raise ValueError("at least one signing secret is needed")
    whole_seconds = sent_at.astimezone(UTC).replace(microsecond=0)
    signatures = [
        Webhook(secret).sign(msg_id=message_id, timestamp=whole_seconds, data=body)
        for secret in signing_secrets
    ]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(whole_seconds.timestamp())),
        "webhook-signature": " ".join(signatures),
    }


def current_secrets(
    subscription: WebhookSubscription, *, server_key: SecretStr | str | None, now: datetime
) -> list[str]:
    """The secrets that sign now: the current one, and the previous one until it expires."""
    salts = [subscription.secret_salt]
    expires_at = subscription.previous_secret_expires_at
    if subscription.previous_secret_salt and expires_at is not None and now < expires_at:
        salts.append(subscription.previous_secret_salt)
    return [signing_secret(server_key=server_key, salt=salt) for salt in salts]
