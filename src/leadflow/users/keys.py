"""API keys: made once and shown once, kept as a hash, revocable; a key acts as its user."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from leadflow.audit import service as audit
from leadflow.audit.service import Auditor
from leadflow.errors import InvalidInputError, NotFoundError
from leadflow.storage.base import utcnow
from leadflow.users.access import Access
from leadflow.users.errors import UserFieldError
from leadflow.users.models import ApiKey, User

KEY_PREFIX_PATTERN = r"^lf_[a-z0-9]{8}$"
# `lf_` + 8 lookup characters, `_`, then 32 random bytes in URL-safe base64 (43 characters).
_KEY = re.compile(r"^(lf_[a-z0-9]{8})_([A-Za-z0-9_-]{43})$")
_PREFIX = re.compile(KEY_PREFIX_PATTERN)
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits
# last_used_at is a hint for people, not an audit log: write it at most this often per key.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class Principal(Access):
    """Who a request acts for: a user, through one of their keys, with the user's role."""

    key: ApiKey


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def _new_prefix(session: Session) -> str:
    for _ in range(10):
        prefix = "lf_" + "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(8))
        if get(session=session, prefix=prefix) is None:
            return prefix
    raise RuntimeError("could not find an unused key prefix in 10 tries")  # 36^8 prefixes


def create(
    *, session: Session, user_id: int, name: str | None = None, auditor: Auditor | None = None
) -> tuple[ApiKey, str]:
    """A new key for an active user, and its full value, which is never stored or shown again."""
    user = session.get(User, user_id)
    if user is None:
        raise UserFieldError("user_id", f"no user with id {user_id}")
    if not user.active:
        raise UserFieldError("user_id", f"{user.email} is deactivated; a key would not work")
    prefix = _new_prefix(session)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(prefix=prefix, secret_hash=_hash(secret), user_id=user.id, name=name)
    session.add(key)
    session.flush()
    audit.record(
        session=session,
        auditor=auditor,
        action="key.created",
        subject=prefix,
        details={"user": user.email, "name": name},
    )
    return key, f"{prefix}_{secret}"


def get(*, session: Session, prefix: str) -> ApiKey | None:
    """The key with this prefix, or None."""
    return session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).first()


def list_keys(
    *, session: Session, user_id: int | None = None, include_revoked: bool = True
) -> Sequence[ApiKey]:
    """Keys by creation, optionally of one user and only those still valid."""
    statement = select(ApiKey).order_by(ApiKey.id)
    if user_id is not None:
        statement = statement.where(ApiKey.user_id == user_id)
    if not include_revoked:
        statement = statement.where(ApiKey.revoked_at.is_(None))
    return session.scalars(statement).all()


def prefix_of(prefix_or_key: str) -> str:
    """The prefix a person means by a prefix or a whole key; InvalidInputError otherwise."""
    text = prefix_or_key.strip()
    match = _KEY.match(text)
    if match:
        return match.group(1)
    if _PREFIX.match(text):
        return text
    # Echo no more than a prefix's length: the argument may be a mistyped secret.
    raise InvalidInputError(f"{text[:11]!r}... is not a key prefix such as lf_ab12cd34")


def revoke(*, session: Session, prefix: str, auditor: Auditor | None = None) -> ApiKey:
    """Revoke a key at once; revoking a revoked key changes nothing."""
    key = get(session=session, prefix=prefix)
    if key is None:
        raise NotFoundError(f"no API key with prefix {prefix!r}")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.flush()
        audit.record(session=session, auditor=auditor, action="key.revoked", subject=prefix)
    return key


def revoke_all(*, session: Session, user: User) -> None:
    """Revoke every valid key of a user."""
    session.execute(
        update(ApiKey)
        .where(ApiKey.user_id == user.id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def authenticate(*, session: Session, token: str, now: datetime | None = None) -> Principal | None:
    """The principal a presented key stands for, or None if it is malformed, unknown,
    revoked, wrong, or its user deactivated."""
    match = _KEY.match(token.strip())
    if match is None:
        return None
    prefix, secret = match.groups()
    key = get(session=session, prefix=prefix)
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(key.secret_hash, _hash(secret)):
        return None
    user = session.get(User, key.user_id)
    if user is None or not user.active:
        return None
    now = now or utcnow()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        key.last_used_at = now
    return Principal(user=user, key=key)
