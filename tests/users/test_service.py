"""Users: add, change and deactivate, with the rules that keep the team consistent."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from leadflow.errors import NotFoundError
from leadflow.users import keys, service
from leadflow.users.errors import UserConflictError, UserFieldError
from leadflow.users.models import Role, User
from leadflow.users.schemas import UserCreate, UserUpdate


def _add(session: Session, email: str, role: Role = Role.SALES, **fields: object) -> User:
    user_in = UserCreate.model_validate({"email": email, "name": "N", "role": role, **fields})
    return service.create(session=session, user_in=user_in)


def test_create_normalises_the_email_and_refuses_a_taken_one(session: Session) -> None:
    user = _add(session, "  Ana@Acme.TEST ", territory={"region": ["EMEA"]}, capacity=5)
    assert (user.email, user.territory, user.capacity, user.active) == (
        "ana@acme.test",
        {"region": ["EMEA"]},
        5,
        True,
    )
    with pytest.raises(UserConflictError) as refused:
        _add(session, "ANA@acme.test")
    assert refused.value.field == "email"
    assert service.resolve(session=session, email="ana@ACME.test ").id == user.id
    with pytest.raises(NotFoundError, match=r"no user with e-mail 'bo@acme\.test'"):
        service.resolve(session=session, email="bo@acme.test")


def test_a_manager_must_exist_and_never_loop_back(session: Session) -> None:
    with pytest.raises(UserFieldError, match="manager_id: no user with id 999"):
        _add(session, "rep@acme.test", manager_id=999)
    boss = _add(session, "boss@acme.test", Role.MANAGER)
    lead = _add(session, "lead@acme.test", Role.MANAGER, manager_id=boss.id)
    rep = _add(session, "rep@acme.test", manager_id=lead.id)
    for manager in (boss, rep):  # boss over boss; boss under rep, who is under boss
        with pytest.raises(UserFieldError, match="own"):
            service.update(session=session, user=boss, user_in=UserUpdate(manager_id=manager.id))


def test_update_changes_only_what_it_names(session: Session) -> None:
    user = _add(session, "ana@acme.test", team="emea", capacity=3, time_zone="Europe/Madrid")
    service.update(session=session, user=user, user_in=UserUpdate(team=None, capacity=None))
    assert (user.team, user.capacity, user.time_zone, user.name) == (
        None,
        None,
        "Europe/Madrid",
        "N",
    )
    service.update(session=session, user=user, user_in=UserUpdate(role=Role.MANAGER))
    assert user.role == Role.MANAGER


def test_the_last_active_admin_stays_an_admin(session: Session) -> None:
    first = _add(session, "first@acme.test", Role.ADMIN)
    with pytest.raises(UserConflictError, match="last active admin") as refused:
        service.deactivate(session=session, user=first)
    assert refused.value.field == "active"
    with pytest.raises(UserConflictError, match="last active admin"):
        service.update(session=session, user=first, user_in=UserUpdate(role=Role.SALES))
    second = _add(session, "second@acme.test", Role.ADMIN)
    service.update(session=session, user=first, user_in=UserUpdate(role=Role.SALES))
    with pytest.raises(UserConflictError):
        service.deactivate(session=session, user=second)


def test_deactivate_revokes_every_key(session: Session) -> None:
    rep = _add(session, "rep@acme.test")
    tokens = [keys.create(session=session, user_id=rep.id)[1] for _ in range(2)]
    service.deactivate(session=session, user=rep)
    session.expire_all()
    assert all(key.revoked_at for key in keys.list_keys(session=session, user_id=rep.id))
    assert all(keys.authenticate(session=session, token=token) is None for token in tokens)
    assert [u.email for u in service.list_users(session=session, include_inactive=False)] == []
    assert [u.email for u in service.list_users(session=session, role=Role.SALES)] == [rep.email]
