"""Dashboard passwords: stored only as Argon2id hashes; the right one and only it verifies."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from leadflow.users import passwords, service
from leadflow.users.errors import UserFieldError
from leadflow.users.models import User
from leadflow.users.schemas import UserCreate


def _user(session: Session, email: str = "ana@acme.test") -> User:
    return service.create(session=session, user_in=UserCreate(email=email, name="Ana"))


def test_a_password_is_kept_as_an_argon2id_hash(session: Session) -> None:
    user = _user(session)
    passwords.set_password(session=session, user=user, password="correct horse battery")
    session.commit()
    stored = session.get(User, user.id)
    assert stored is not None and stored.password_hash is not None
    assert stored.password_hash.startswith("$argon2id$")
    assert "correct horse battery" not in stored.password_hash
    assert stored.password_changed_at is not None
    assert passwords.verify(user=stored, password="correct horse battery")
    assert not passwords.verify(user=stored, password="correct horse batterY")


def test_no_password_and_no_user_never_verify(session: Session) -> None:
    user = _user(session)
    assert not passwords.verify(user=user, password="anything at all")
    assert not passwords.verify(user=None, password="leadflow decoy password")


@pytest.mark.parametrize(
    ("password", "reason"),
    [("short", "too short"), ("x" * (passwords.MAX_LENGTH + 1), "too long")],
)
def test_unusable_passwords_are_refused_and_change_nothing(
    session: Session, password: str, reason: str
) -> None:
    user = _user(session)
    with pytest.raises(UserFieldError, match=reason) as refused:
        passwords.set_password(session=session, user=user, password=password)
    assert refused.value.field == "password"
    assert user.password_hash is None


def test_a_new_password_changes_the_fingerprint_sessions_carry(session: Session) -> None:
    user = _user(session)
    passwords.set_password(session=session, user=user, password="first password!")
    first = passwords.fingerprint(user)
    passwords.set_password(session=session, user=user, password="second password!")
    assert passwords.fingerprint(user) != first
    assert not passwords.verify(user=user, password="first password!")


@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    password=st.text(min_size=passwords.MIN_LENGTH, max_size=40),
    other=st.text(min_size=1, max_size=40),
)
def test_exactly_the_password_set_verifies(session: Session, password: str, other: str) -> None:
    user = User(email="x@acme.test", name="X")
    passwords.set_password(session=session, user=user, password=password)
    assert passwords.verify(user=user, password=password)
    assert passwords.verify(user=user, password=other) == (other == password)
