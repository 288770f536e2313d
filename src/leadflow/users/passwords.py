"""Dashboard passwords: kept only as Argon2id hashes, checked in constant time."""

from __future__ import annotations

import hashlib
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.orm import Session

from leadflow.storage.base import utcnow
from leadflow.users.errors import UserFieldError
from leadflow.users.models import User

MIN_LENGTH = 10
# Argon2 hashes any length, but a megabyte "password" is a way to burn server time.
MAX_LENGTH = 1_024


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2-cffi's defaults: Argon2id, RFC 9106 low-memory profile


@cache
def _decoy_hash() -> str:
    # Checked when no user has the e-mail, so a wrong e-mail takes as long as a wrong password.
    return _hasher().hash("leadflow decoy password")


def check_strength(password: str) -> None:
    """Refuse a password too short or too long to use, naming the field."""
    if len(password) < MIN_LENGTH:
        raise UserFieldError("password", f"too short: at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise UserFieldError("password", f"too long: at most {MAX_LENGTH} characters")


def set_password(*, session: Session, user: User, password: str) -> User:
    """Give a user a new dashboard password; their open dashboard sessions end."""
    check_strength(password)
    user.password_hash = _hasher().hash(password)
    user.password_changed_at = utcnow()
    session.flush()
    return user


def verify(*, user: User | None, password: str) -> bool:
    """Whether the password is the user's; always spends one hash's time, user or not."""
    if len(password) > MAX_LENGTH:
        return False
    stored = user.password_hash if user is not None else None
    try:
        _hasher().verify(stored or _decoy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return stored is not None


def needs_rehash(user: User) -> bool:
    """Whether the stored hash uses weaker parameters than the current ones."""
    return user.password_hash is not None and _hasher().check_needs_rehash(user.password_hash)


def fingerprint(user: User) -> str:
    """A short digest of the stored hash: sessions carry it, so a new password ends them."""
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]
