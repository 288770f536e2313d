"""API keys: the full key shown once, only a hash kept, checked in constant time."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from leadflow.errors import InvalidInputError, NotFoundError
from leadflow.storage.base import utcnow
from leadflow.users import keys, service
from leadflow.users.errors import UserFieldError
from leadflow.users.models import Role
from leadflow.users.schemas import UserCreate


@pytest.fixture
def rep_id(session: Session) -> int:
    user_in = UserCreate(email="rep@acme.test", name="Rep", role=Role.SALES)
    return service.create(session=session, user_in=user_in).id


def test_a_key_is_shown_once_and_kept_as_a_hash(session: Session, rep_id: int) -> None:
    key, token = keys.create(session=session, user_id=rep_id, name="crm")
    assert re.fullmatch(r"lf_[a-z0-9]{8}_[A-Za-z0-9_-]{43}", token)
    assert token.startswith(key.prefix + "_")
    secret = token.split("_", 2)[2]
    assert key.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in (key.prefix, key.name, key.secret_hash)


def test_authenticate_finds_the_user_and_role(session: Session, rep_id: int) -> None:
    _, token = keys.create(session=session, user_id=rep_id)
    principal = keys.authenticate(session=session, token=f"  {token} ")
    assert principal is not None
    assert (principal.user.id, principal.role, principal.sees_every_lead) == (
        rep_id,
        Role.SALES,
        False,
    )
    assert principal.may_act_on_lead(rep_id) and not principal.may_act_on_lead(None)


@pytest.mark.parametrize("mangle", ["wrong-secret", "unknown-prefix", "malformed", "empty"])
def test_anything_but_the_exact_key_is_refused(session: Session, rep_id: int, mangle: str) -> None:
    _, token = keys.create(session=session, user_id=rep_id)
    presented = {
        "wrong-secret": token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        "unknown-prefix": "lf_00000000" + token[11:],
        "malformed": token + "x",
        "empty": "",
    }[mangle]
    assert keys.authenticate(session=session, token=presented) is None


def test_revoked_keys_and_deactivated_users_are_refused(session: Session, rep_id: int) -> None:
    first, token = keys.create(session=session, user_id=rep_id)
    revoked = keys.revoke(session=session, prefix=first.prefix)
    assert revoked.revoked_at is not None
    assert keys.revoke(session=session, prefix=first.prefix).revoked_at == revoked.revoked_at
    assert keys.authenticate(session=session, token=token) is None
    _, other = keys.create(session=session, user_id=rep_id)
    user = service.get(session=session, user_id=rep_id)
    assert user is not None
    user.active = False
    assert keys.authenticate(session=session, token=other) is None
    with pytest.raises(UserFieldError, match="deactivated"):
        keys.create(session=session, user_id=rep_id)
    with pytest.raises(UserFieldError, match="no user with id 999"):
        keys.create(session=session, user_id=999)
    with pytest.raises(NotFoundError):
        keys.revoke(session=session, prefix="lf_00000000")


def test_last_used_is_written_at_most_once_a_minute(session: Session, rep_id: int) -> None:
    key, token = keys.create(session=session, user_id=rep_id)
    start = utcnow()
    keys.authenticate(session=session, token=token, now=start)
    keys.authenticate(session=session, token=token, now=start + timedelta(seconds=30))
    assert key.last_used_at == start
    later = start + keys.LAST_USED_RESOLUTION
    keys.authenticate(session=session, token=token, now=later)
    assert key.last_used_at == later


def test_prefix_of_takes_a_prefix_or_a_whole_key(session: Session, rep_id: int) -> None:
    key, token = keys.create(session=session, user_id=rep_id)
    assert keys.prefix_of(token) == keys.prefix_of(f" {key.prefix} ") == key.prefix
    with pytest.raises(InvalidInputError) as refused:
        keys.prefix_of(token[:-1] + "!")
    assert token[12:] not in str(refused.value)
