"""Logins: a wrong e-mail and a wrong password look alike; failures lock an account and a
client address for a window, without checking the password while locked."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadflow.storage.base import utcnow
from leadflow.users import logins, passwords, service
from leadflow.users.logins import LoginLimits
from leadflow.users.models import LoginFailure, User
from leadflow.users.schemas import UserCreate

LIMITS = LoginLimits(per_account=3, per_client=5, window=timedelta(minutes=15))
PASSWORD = "correct horse battery"


def _user(session: Session, email: str = "ana@acme.test") -> User:
    user = service.create(session=session, user_in=UserCreate(email=email, name="Ana"))
    passwords.set_password(session=session, user=user, password=PASSWORD)
    return user


def _try(session: Session, email: str, password: str, client: str = "10.0.0.1", **kw: object):
    return logins.log_in(
        session=session, email=email, password=password, client=client, limits=LIMITS, **kw
    )


def test_the_right_password_logs_in_whatever_the_e_mail_case(session: Session) -> None:
    user = _user(session)
    assert _try(session, " Ana@ACME.test ", PASSWORD).user == user


def test_unknown_e_mail_and_wrong_password_fail_alike(session: Session) -> None:
    _user(session)
    unknown = _try(session, "nobody@acme.test", PASSWORD)
    wrong = _try(session, "ana@acme.test", "not the password")
    assert unknown == wrong == logins.LoginOutcome(user=None)
    assert session.scalar(select(func.count()).select_from(LoginFailure)) == 2


def test_a_deactivated_user_cannot_log_in(session: Session) -> None:
    user = _user(session)
    service.deactivate(session=session, user=user)
    assert _try(session, "ana@acme.test", PASSWORD).user is None


def test_failures_lock_the_account_then_the_window_frees_it(session: Session) -> None:
    _user(session)
    now = utcnow()
    for _ in range(LIMITS.per_account):
        assert not _try(session, "ana@acme.test", "wrong password", now=now).locked
    locked = _try(session, "ana@acme.test", PASSWORD, now=now + timedelta(minutes=1))
    assert locked.user is None and locked.locked
    assert timedelta(minutes=13) < locked.retry_after <= timedelta(minutes=14)
    # From another address too: the account is what is locked.
    assert _try(session, "ana@acme.test", PASSWORD, client="10.9.9.9", now=now).locked
    later = now + LIMITS.window + timedelta(seconds=1)
    assert _try(session, "ana@acme.test", PASSWORD, now=later).user is not None


def test_unknown_accounts_lock_the_same_way(session: Session) -> None:
    for _ in range(LIMITS.per_account):
        _try(session, "ghost@acme.test", "guess")
    assert _try(session, "ghost@acme.test", "guess").locked


def test_failures_from_one_address_lock_it_for_every_account(session: Session) -> None:
    _user(session)
    for index in range(LIMITS.per_client):
        _try(session, f"guess{index}@acme.test", "guess", client="192.0.2.7")
    assert _try(session, "ana@acme.test", PASSWORD, client="192.0.2.7").locked
    assert _try(session, "ana@acme.test", PASSWORD, client="192.0.2.8").user is not None


def test_a_success_forgets_the_account_failures(session: Session) -> None:
    _user(session)
    for _ in range(LIMITS.per_account - 1):
        _try(session, "ana@acme.test", "wrong password")
    assert _try(session, "ana@acme.test", PASSWORD).user is not None
    for _ in range(LIMITS.per_account - 1):
        _try(session, "ana@acme.test", "wrong password")
    assert not _try(session, "ana@acme.test", PASSWORD).locked
