"""Session cookies: signed, refused when changed, idle too long or too old."""

from __future__ import annotations

import time

import pytest
from itsdangerous import timed
from pydantic import SecretStr

from leadflow.web.config import WebConfig
from leadflow.web.sessions import SessionCookies, WebSession, anonymous

CONFIG = WebConfig(session_idle_minutes=30, session_max_hours=12)


def _cookies(key: str = "k" * 32) -> SessionCookies:
    return SessionCookies(SecretStr(key), CONFIG)


def _logged_in() -> WebSession:
    return anonymous().logged_in(user_id=7, password="fingerprint")


def test_a_cookie_reads_back_as_the_session() -> None:
    session = _logged_in()
    read = _cookies().load(_cookies().dump(session))
    assert read is not None
    assert (read.user_id, read.csrf_token, read.password) == (7, session.csrf_token, "fingerprint")


def test_logging_in_changes_the_csrf_token() -> None:
    before = anonymous()
    assert before.logged_in(user_id=1, password="").csrf_token != before.csrf_token


@pytest.mark.parametrize("change", ["flip", "other-key", "garbage"])
def test_a_changed_or_foreign_cookie_is_refused(change: str) -> None:
    value = _cookies().dump(_logged_in())
    if change == "flip":
        value = value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1]
    elif change == "other-key":
        value = _cookies("x" * 32).dump(_logged_in())
    else:
        value = "not-a-cookie"
    assert _cookies().load(value) is None


def test_an_idle_session_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    value = _cookies().dump(_logged_in())
    later = time.time() + 31 * 60
    monkeypatch.setattr(timed.time, "time", lambda: later)
    assert _cookies().load(value) is None


def test_a_busy_session_ends_after_its_maximum_age() -> None:
    value = _cookies().dump(_logged_in())
    assert _cookies().load(value, now=time.time() + 11 * 3600) is not None
    assert _cookies().load(value, now=time.time() + 12 * 3600 + 1) is None


def test_the_cookie_is_refreshed_at_most_once_a_minute() -> None:
    cookies = _cookies()
    read = cookies.load(cookies.dump(_logged_in()))
    assert read is not None
    assert not cookies.needs_refresh(read)
    assert cookies.needs_refresh(read, now=time.time() + 61)
