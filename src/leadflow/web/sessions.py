"""Dashboard sessions in a signed cookie: who is logged in, their CSRF token, and since when.

The cookie holds no secret of the user's; it is signed with a key derived from the server's
`secret_key` (itsdangerous, HMAC-SHA1 over a salted key), so it cannot be forged or changed.
The signature's timestamp is the last use: a cookie older than the idle timeout is refused.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from pydantic import SecretStr

from leadflow.web.config import WebConfig

COOKIE_NAME = "leadflow_session"
_SALT = "leadflow.web.session"
# The cookie is signed again (its idle clock restarted) at most this often.
REFRESH_SECONDS = 60


@dataclass(frozen=True)
class WebSession:
    """A browser's session: a CSRF token always, a user once logged in."""

    csrf_token: str
    user_id: int | None = None
    # The user's password fingerprint at login: a new password ends the session.
    password: str = ""
    started_at: float = 0.0
    signed_at: float = 0.0

    def logged_in(self, *, user_id: int, password: str) -> WebSession:
        """The session after a login: a new CSRF token, so a token seen before is useless."""
        return WebSession(
            csrf_token=new_token(), user_id=user_id, password=password, started_at=time.time()
        )


def new_token() -> str:
    """A random token for a new session's CSRF checks."""
    return secrets.token_urlsafe(32)


def anonymous() -> WebSession:
    """A session for a browser not logged in: it has a CSRF token for the login form."""
    return WebSession(csrf_token=new_token())


class SessionCookies:
    """Signs sessions into cookie values and reads them back, enforcing both timeouts."""

    def __init__(self, secret_key: SecretStr, config: WebConfig) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key.get_secret_value(), salt=_SALT)
        self.config = config

    def dump(self, web_session: WebSession) -> str:
        """The cookie value for a session."""
        payload: dict[str, Any] = {
            "c": web_session.csrf_token,
            "u": web_session.user_id,
            "p": web_session.password,
            "s": web_session.started_at,
        }
        return self._serializer.dumps(payload)

    def load(self, value: str, *, now: float | None = None) -> WebSession | None:
        """The session a cookie holds, or None if forged, idle too long or too old."""
        now = time.time() if now is None else now
        try:
            payload, signed = self._serializer.loads(
                value, max_age=self.config.session_idle_minutes * 60, return_timestamp=True
            )
        except (BadSignature, ValueError, TypeError):
            return None
        try:
            session = WebSession(
                csrf_token=str(payload["c"]),
                user_id=None if payload["u"] is None else int(payload["u"]),
                password=str(payload["p"]),
                started_at=float(payload["s"]),
                signed_at=signed.timestamp(),
            )
        except (KeyError, TypeError, ValueError):
            return None
        if session.user_id is not None and (
            now - session.started_at > self.config.session_max_hours * 3600
        ):
            return None
        return session

    def needs_refresh(self, web_session: WebSession, *, now: float | None = None) -> bool:
        """Whether to sign the cookie again so that the idle clock starts over."""
        now = time.time() if now is None else now
        return now - web_session.signed_at >= REFRESH_SECONDS

    def cookie_options(self) -> dict[str, Any]:
        """How the cookie is set: HttpOnly, SameSite=Lax, for the whole site."""
        return {
            "key": COOKIE_NAME,
            "httponly": True,
            "samesite": "lax",
            "secure": self.config.secure_cookies,
            "path": "/",
            "max_age": self.config.session_idle_minutes * 60,
        }
