"""One signed POST of a delivery to its receiver, and how it ended."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from leadflow import __version__
from leadflow.storage.base import utcnow
from leadflow.webhooks.signing import signature_headers

USER_AGENT = f"leadflow-webhooks/{__version__}"
ERROR_EXCERPT_BYTES = 300


@dataclass(frozen=True)
class SendOutcome:
    """How one POST ended: 2xx, another status, or no response at all."""

    ok: bool
    status_code: int | None
    error: str | None
    # Seconds the receiver asked us to wait (Retry-After on a 429 or 503), if it did.
    retry_after: float | None = None


def retry_after_seconds(value: str | None, *, now: datetime) -> float | None:
    """A Retry-After header as seconds from `now`: delay-seconds or an HTTP date; None
    when absent or unreadable (the backoff schedule then applies unchanged)."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def payload_body(payload: dict[str, Any]) -> str:
    """The request body: the stored payload as compact JSON."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def send(
    *,
    client: httpx.Client,
    url: str,
    message_id: str,
    body: str,
    signing_secrets: Sequence[str],
    timeout: float,
) -> SendOutcome:
    """POST a body signed at this moment; any 2xx is success, redirects are not followed."""
    headers = signature_headers(
        message_id=message_id, body=body, signing_secrets=signing_secrets, sent_at=utcnow()
    )
    headers |= {"content-type": "application/json", "user-agent": USER_AGENT}
    try:
        with client.stream(
            "POST",
            url,
            content=body.encode(),
            headers=headers,
            timeout=timeout,
            follow_redirects=False,
        ) as response:
            if response.is_success:
                return SendOutcome(ok=True, status_code=response.status_code, error=None)
            # Only the start of the body: a receiver's error page can be large.
            excerpt = next(response.iter_bytes(), b"")[:ERROR_EXCERPT_BYTES]
            error = f"HTTP {response.status_code}: {excerpt.decode(errors='replace')}".strip()
            wait = None
            if response.status_code in (429, 503):
                wait = retry_after_seconds(response.headers.get("retry-after"), now=utcnow())
            return SendOutcome(
                ok=False, status_code=response.status_code, error=error, retry_after=wait
            )
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        detail = str(exc) or "no detail"
        return SendOutcome(ok=False, status_code=None, error=f"{type(exc).__name__}: {detail}")
