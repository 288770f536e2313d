"""Logging in with e-mail and password, with failures counted to slow down guessing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from leadflow.storage.base import utcnow
from leadflow.users import passwords, service
from leadflow.users.models import LoginFailure, User

# Longest client address kept (an IPv6 address with a zone fits).
_CLIENT_LENGTH = 64


@dataclass(frozen=True)
class LoginLimits:
    """How many failures in a window lock an e-mail address, and a client address."""

    per_account: int
    per_client: int
    window: timedelta


@dataclass(frozen=True)
class LoginOutcome:
    """A login attempt: the user when it succeeded; otherwise whether it was refused
    unchecked because of too many failures, and when trying again makes sense."""

    user: User | None
    locked: bool = False
    retry_after: timedelta = timedelta(0)


def _failures(
    session: Session, column: InstrumentedAttribute[str], value: str, since: datetime
) -> tuple[int, datetime | None]:
    count, first = session.execute(
        select(func.count(), func.min(LoginFailure.failed_at)).where(
            column == value, LoginFailure.failed_at >= since
        )
    ).one()
    return int(count), first


def _lock(
    session: Session, *, email: str, client: str, limits: LoginLimits, now: datetime
) -> timedelta | None:
    since = now - limits.window
    for column, value, limit in (
        (LoginFailure.email, email, limits.per_account),
        (LoginFailure.client, client, limits.per_client),
    ):
        count, first = _failures(session, column, value, since)
        if count >= limit and first is not None:
            return max(first + limits.window - now, timedelta(seconds=1))
    return None


def log_in(
    *,
    session: Session,
    email: str,
    password: str,
    client: str,
    limits: LoginLimits,
    now: datetime | None = None,
) -> LoginOutcome:
    """Check an e-mail and password. A wrong e-mail and a wrong password look the same to
    the caller; past the limits the password is not even checked until the window passes."""
    now = now or utcnow()
    email = email.strip().lower()[:320]
    client = client[:_CLIENT_LENGTH]
    wait = _lock(session, email=email, client=client, limits=limits, now=now)
    if wait is not None:
        return LoginOutcome(user=None, locked=True, retry_after=wait)
    user = service.get_by_email(session=session, email=email)
    if user is not None and not user.active:
        user = None
    if not passwords.verify(user=user, password=password) or user is None:
        # Old failures no longer count: drop them as new ones arrive, keeping the table small.
        session.execute(delete(LoginFailure).where(LoginFailure.failed_at < now - limits.window))
        session.add(LoginFailure(email=email, client=client, failed_at=now))
        session.flush()
        return LoginOutcome(user=None)
    session.execute(delete(LoginFailure).where(LoginFailure.email == email))
    if passwords.needs_rehash(user):
        passwords.set_password(session=session, user=user, password=password)
    return LoginOutcome(user=user)
